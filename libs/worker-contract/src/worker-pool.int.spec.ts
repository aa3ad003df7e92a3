import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentRequest__Output } from './__generated__/refdiff/worker/v1/SegmentRequest';
import type { SegmentResponse } from './__generated__/refdiff/worker/v1/SegmentResponse';
import { createWorkerClient, poolTarget, workerPoolChannelOptions, type WorkerClient } from './worker-client';
import { workerProto } from './worker-proto';

// Two stub workers that answer with their own name; the pool client must spread calls and survive one dying.
const servers: grpc.Server[] = [];
const ports: number[] = [];
let client: WorkerClient;

async function stub(name: string): Promise<number> {
  const server = new grpc.Server();
  server.addService(workerProto().SegmentationWorker.service, {
    Segment(
      call: grpc.ServerUnaryCall<SegmentRequest__Output, SegmentResponse>,
      callback: grpc.sendUnaryData<SegmentResponse>,
    ) {
      callback(null, { requestId: name, results: call.request.expressions.map((expression) => ({ expression })) });
    },
    GetInfo(_call: unknown, callback: grpc.sendUnaryData<object>) {
      callback(null, { packName: name });
    },
  });
  servers.push(server);
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
}

beforeAll(async () => {
  ports.push(await stub('a'), await stub('b'));
  client = createWorkerClient(poolTarget(ports.map((p) => `127.0.0.1:${p}`)), {
    channelOptions: workerPoolChannelOptions(),
  });
});
afterAll(() => {
  client?.close();
  for (const s of servers) s.forceShutdown();
});

describe('worker pool client', () => {
  it('spreads calls over every worker', async () => {
    const names = [];
    for (let i = 0; i < 10; i++) names.push((await client.segment(new Uint8Array([i]), ['x'], undefined, { hashFirst: false })).response.requestId);
    expect(new Set(names)).toEqual(new Set(['a', 'b']));
  });

  it('keeps working when one worker goes away', async () => {
    servers[0].forceShutdown();
    const names = [];
    for (let i = 0; i < 6; i++) names.push((await client.segment(new Uint8Array([i]), ['x'], undefined, { hashFirst: false })).response.requestId);
    expect(names).toEqual(Array(6).fill('b'));
  });

  it('refuses an empty pool', () => {
    expect(() => poolTarget([])).toThrow(RangeError);
  });
});
