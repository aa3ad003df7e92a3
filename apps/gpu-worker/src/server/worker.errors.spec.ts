import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { WorkerError, toStatusError } from './worker.errors';

const typed = (code: string, message = 'm') => Object.assign(new Error(message), { code });

describe('toStatusError', () => {
  it.each([
    ['INVALID_IMAGE', grpc.status.INVALID_ARGUMENT],
    ['EXPRESSION_TOO_LONG', grpc.status.INVALID_ARGUMENT],
    ['NO_PROPOSAL', grpc.status.INVALID_ARGUMENT],
    ['IMAGE_TOO_LARGE', grpc.status.INVALID_ARGUMENT],
    ['DECODE_FAILED', grpc.status.INVALID_ARGUMENT],
    ['IMAGE_NOT_CACHED', grpc.status.FAILED_PRECONDITION],
    ['PACK_MISMATCH', grpc.status.FAILED_PRECONDITION],
    ['QUEUE_FULL', grpc.status.RESOURCE_EXHAUSTED],
    ['RESOURCE_EXHAUSTED', grpc.status.RESOURCE_EXHAUSTED],
    ['DRAINING', grpc.status.UNAVAILABLE],
  ])('maps %s to status %i and puts the code in the trailer', (code, status) => {
    const { error, refdiffCode } = toStatusError(typed(code, 'why'), { requestId: 'r' });
    expect(error.code).toBe(status);
    expect(error.details).toBe('why');
    expect(refdiffCode).toBe(code);
    expect(error.metadata.get('refdiff-error-code')).toEqual([code]);
  });

  it('masks unknown and INTERNAL errors', () => {
    for (const err of [new TypeError('x is undefined'), typed('INTERNAL', 'secret path /a/b'), 'boom']) {
      const mapped = toStatusError(err, { requestId: 'req-9' });
      expect(mapped.error.code).toBe(grpc.status.INTERNAL);
      expect(mapped.error.details).toBe('internal error (request id req-9)');
      expect(mapped.internal).toBe(true);
    }
  });

  it('maps an engine ABORTED by the reason of the call signal', () => {
    const deadline = new AbortController();
    deadline.abort(new WorkerError('DEADLINE_EXCEEDED', 'deadline exceeded'));
    expect(toStatusError(typed('ABORTED'), { requestId: 'r', signal: deadline.signal }).error.code).toBe(
      grpc.status.DEADLINE_EXCEEDED,
    );
    const cancel = new AbortController();
    cancel.abort(new WorkerError('CANCELLED', 'cancelled'));
    expect(toStatusError(typed('ABORTED'), { requestId: 'r', signal: cancel.signal }).error.code).toBe(
      grpc.status.CANCELLED,
    );
    // An engine that rejects with a plain error after the abort still yields the abort's status.
    expect(toStatusError(new Error('stopped'), { requestId: 'r', signal: deadline.signal }).error.code).toBe(
      grpc.status.DEADLINE_EXCEEDED,
    );
  });
});
