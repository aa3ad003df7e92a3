import * as grpc from '@grpc/grpc-js';
import { ERROR_CODE_METADATA_KEY } from '@refdiff/worker-contract';

/** Codes the worker adds to the pipeline's (PipelineErrorCode) ones. */
export type WorkerOwnErrorCode = 'QUEUE_FULL' | 'NOT_READY' | 'DRAINING' | 'DEADLINE_EXCEEDED' | 'CANCELLED' | 'NO_TOKENIZER';

/** An error the worker raises itself; `code` goes to the client in the `refdiff-error-code` trailer. */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  constructor(
    readonly code: WorkerOwnErrorCode | 'INVALID_ARGUMENT' | 'IMAGE_TOO_LARGE' | 'IMAGE_NOT_CACHED',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one place error codes become gRPC statuses. Codes come from WorkerError and from the engine's typed errors
 * (`err.code`, PipelineErrorCode of segment.types.ts and of errors/pipeline.errors.ts).
 * IMAGE_TOO_LARGE is INVALID_ARGUMENT, not RESOURCE_EXHAUSTED: resending the same image can never succeed.
 */
const STATUS_BY_CODE: Readonly<Record<string, grpc.status>> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  INVALID_IMAGE: grpc.status.INVALID_ARGUMENT,
  UNSUPPORTED_IMAGE_FORMAT: grpc.status.INVALID_ARGUMENT,
  IMAGE_TOO_LARGE: grpc.status.INVALID_ARGUMENT,
  EXPRESSION_EMPTY: grpc.status.INVALID_ARGUMENT,
  EXPRESSION_TOO_LONG: grpc.status.INVALID_ARGUMENT,
  // per expression in practice (the method found no non-empty proposal); the same request fails the same way
  NO_PROPOSAL: grpc.status.INVALID_ARGUMENT,
  INVALID_SHAPE: grpc.status.INVALID_ARGUMENT,
  INVALID_VALUE: grpc.status.INVALID_ARGUMENT,
  EMPTY_IMAGE: grpc.status.INVALID_ARGUMENT,
  DECODE_FAILED: grpc.status.INVALID_ARGUMENT,
  IMAGE_NOT_CACHED: grpc.status.FAILED_PRECONDITION,
  PACK_MISMATCH: grpc.status.FAILED_PRECONDITION,
  QUEUE_FULL: grpc.status.RESOURCE_EXHAUSTED,
  NO_TOKENIZER: grpc.status.NOT_FOUND,
  // the model pack's memory preflight: the request's image size does not fit this worker's memory limit
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  NOT_READY: grpc.status.UNAVAILABLE,
  DRAINING: grpc.status.UNAVAILABLE,
  DEADLINE_EXCEEDED: grpc.status.DEADLINE_EXCEEDED,
  CANCELLED: grpc.status.CANCELLED,
};

export interface StatusErrorContext {
  /** The call's abort signal: an engine ABORTED error becomes DEADLINE_EXCEEDED or CANCELLED by its reason. */
  signal?: AbortSignal;
  requestId: string;
}

export interface MappedStatus {
  error: Partial<grpc.StatusObject> & { code: grpc.status; details: string; metadata: grpc.Metadata };
  /** the refdiff code sent in the trailer */
  refdiffCode: string;
  /** true when the worker, not the caller, is at fault (log at error level) */
  internal: boolean;
}

function codeOf(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** Maps anything thrown while serving a call to one gRPC status with the refdiff code in the trailers. */
export function toStatusError(err: unknown, ctx: StatusErrorContext): MappedStatus {
  let code = codeOf(err);
  let message = err instanceof Error ? err.message : String(err);
  if (code === 'ABORTED' || (ctx.signal?.aborted && !(code && code in STATUS_BY_CODE))) {
    code = ctx.signal?.reason instanceof WorkerError ? ctx.signal.reason.code : 'CANCELLED';
    message = code === 'DEADLINE_EXCEEDED' ? 'deadline exceeded' : 'cancelled by the client';
  }
  let status = code ? STATUS_BY_CODE[code] : undefined;
  const internal = status === undefined;
  if (internal) {
    status = grpc.status.INTERNAL;
    code = 'INTERNAL';
    message = `internal error (request id ${ctx.requestId})`;
  }
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, code as string);
  return { error: { code: status as grpc.status, details: message, metadata }, refdiffCode: code as string, internal };
}
