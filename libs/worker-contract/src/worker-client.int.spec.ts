import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentRequest__Output } from './__generated__/refdiff/worker/v1/SegmentRequest';
import type { SegmentResponse } from './__generated__/refdiff/worker/v1/SegmentResponse';
import { WorkerCallError, createWorkerClient, sha256Hex, type WorkerClient } from './worker-client';
import { ERROR_CODE_METADATA_KEY, workerProto } from './worker-proto';

// A stub server that speaks the contract: it remembers images it has received and answers IMAGE_NOT_CACHED
// for unknown hashes, recording what each call carried.
const known = new Set<string>();
const seen: { sha256?: string; bytes?: number }[] = [];
let server: grpc.Server;
let client: WorkerClient;

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(workerProto().SegmentationWorker.service, {
    Segment(
      call: grpc.ServerUnaryCall<SegmentRequest__Output, SegmentResponse>,
      callback: grpc.sendUnaryData<SegmentResponse>,
    ) {
      const req = call.request;
      seen.push({ sha256: req.imageSha256, bytes: req.imageData?.length });
      let sha: string;
      if (req.image === 'imageData' && req.imageData) {
        sha = sha256Hex(req.imageData);
        known.add(sha);
      } else {
        sha = req.imageSha256 ?? '';
        if (!known.has(sha)) {
          const md = new grpc.Metadata();
          md.set(ERROR_CODE_METADATA_KEY, 'IMAGE_NOT_CACHED');
          callback({ code: grpc.status.FAILED_PRECONDITION, details: 'image not cached', metadata: md });
          return;
        }
      }
      if (req.expressions[0] === 'slow') {
        setTimeout(() => callback(null, { requestId: 'late' }), 2_000);
        return;
      }
      callback(null, {
        image: { width: 1, height: 1, sha256: sha },
        results: req.expressions.map((expression) => ({ expression, error: { code: 'X', message: 'stub' } })),
        requestId: String(call.metadata.get('x-request-id')[0] ?? ''),
      });
    },
    GetInfo(_call: unknown, callback: grpc.sendUnaryData<object>) {
      callback(null, { packName: 'stub', maxConcurrent: 3 });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  client = createWorkerClient(`127.0.0.1:${port}`);
});

afterAll(() => {
  client?.close();
  server?.forceShutdown();
});

describe('createWorkerClient', () => {
  it('sends the bytes only when the worker answers IMAGE_NOT_CACHED', async () => {
    const image = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    seen.length = 0;
    const first = await client.segment(image, ['a', 'b'], undefined, { requestId: 'r-1' });
    expect(first.sentImageBytes).toBe(true);
    expect(first.attempts).toBe(2);
    expect(seen).toEqual([{ sha256: sha256Hex(image), bytes: undefined }, { sha256: undefined, bytes: 8 }]);
    expect(first.response.requestId).toBe('r-1');
    expect(first.response.results.map((r) => r.expression)).toEqual(['a', 'b']);
    expect(first.response.results[0].outcome).toBe('error');

    seen.length = 0;
    const second = await client.segment(image, ['c']);
    expect(second.sentImageBytes).toBe(false);
    expect(second.attempts).toBe(1);
    expect(seen).toEqual([{ sha256: sha256Hex(image), bytes: undefined }]);
    expect(second.response.image?.sha256).toBe(sha256Hex(image));
  });

  it('sends the bytes at once with hashFirst false', async () => {
    seen.length = 0;
    const r = await client.segment(new Uint8Array([9, 9]), ['x'], undefined, { hashFirst: false });
    expect(r).toMatchObject({ sentImageBytes: true, attempts: 1 });
    expect(seen).toEqual([{ sha256: undefined, bytes: 2 }]);
  });

  it('surfaces the status and the refdiff error code of a failed raw call', async () => {
    const err = await client.segmentRaw({ imageSha256: 'f'.repeat(64), expressions: ['x'] }).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerCallError);
    expect(err.status).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.code).toBe('IMAGE_NOT_CACHED');
  });

  it('honours a deadline and an abort signal', async () => {
    const image = new Uint8Array([7]);
    await client.segment(image, ['warm']);
    const late = await client.segment(image, ['slow'], undefined, { deadlineMs: 100 }).catch((e) => e);
    expect(late).toBeInstanceOf(WorkerCallError);
    expect(late.status).toBe(grpc.status.DEADLINE_EXCEEDED);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const aborted = await client.segment(image, ['slow'], undefined, { signal: controller.signal }).catch((e) => e);
    expect(aborted.status).toBe(grpc.status.CANCELLED);
  });

  it('reads GetInfo', async () => {
    await expect(client.getInfo()).resolves.toMatchObject({ packName: 'stub', maxConcurrent: 3 });
  });
});
