import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerCallError, sha256Hex, type SegmentResponse__Output } from '@refdiff/worker-contract';
import { decodeRle, iou } from './support/coco-rle';
import { ColourEngine, syntheticScene } from './support/colour-engine';
import { startTestWorker } from './support/test-worker';

const W = 64;
const H = 48;
const scene = syntheticScene(W, H, { red: [4, 6, 20, 30], blue: [40, 10, 60, 40] });

function maskOf(response: SegmentResponse__Output, i: number): Uint8Array {
  const rle = response.results[i].result?.mask?.rle;
  if (!rle) throw new Error(`result ${i} has no mask`);
  return decodeRle(rle.counts, rle.height, rle.width);
}

describe('worker: loading and health', () => {
  it('is NOT_SERVING while the engine loads, SERVING after, and refuses calls until then', async () => {
    let finishLoading!: (e: ColourEngine) => void;
    const loading = new Promise<ColourEngine>((resolve) => (finishLoading = resolve));
    const w = await startTestWorker(() => loading);
    try {
      expect(await w.health()).toBe('NOT_SERVING');
      expect(await w.health('refdiff.worker.v1.SegmentationWorker')).toBe('NOT_SERVING');
      const early = await w.client.segment(scene.bytes, ['red']).catch((e) => e);
      expect(early).toBeInstanceOf(WorkerCallError);
      expect(early.status).toBe(grpc.status.UNAVAILABLE);
      expect(early.code).toBe('NOT_READY');

      finishLoading(new ColourEngine());
      await w.server.ready;
      expect(await w.health()).toBe('SERVING');
      expect(await w.health('refdiff.worker.v1.SegmentationWorker')).toBe('SERVING');
    } finally {
      await w.close();
    }
  });
});

describe('worker: Segment', () => {
  const engine = new ColourEngine();
  let w: Awaited<ReturnType<typeof startTestWorker>>;
  beforeAll(async () => {
    w = await startTestWorker(engine, { concurrency: 2, maxQueue: 8 });
    await w.server.ready;
  });
  afterAll(() => w.close());

  it('returns one outcome per expression with the right masks', async () => {
    const { response } = await w.client.segment(scene.bytes, ['the red box', 'blue thing', 'nothing here'], {
      preset: 'PRESET_PAPER',
    }, { requestId: 'req-42' });
    expect(response.requestId).toBe('req-42');
    expect(response.image).toEqual({
      width: W,
      height: H,
      sha256: createHash('sha256').update(scene.bytes).digest('hex'),
    });
    expect(response.preset).toBe('PRESET_PAPER');
    expect(response.results.map((r) => r.outcome)).toEqual(['result', 'result', 'error']);
    expect(iou(maskOf(response, 0), scene.truth.red)).toBe(1);
    expect(iou(maskOf(response, 1), scene.truth.blue)).toBe(1);
    expect(response.results[0].result?.mask?.bbox).toEqual({ x0: 4, y0: 6, x1: 20, y1: 30 });
    expect(response.results[0].result?.mask?.area).toBe(17 * 25);
    expect(response.results[0].result?.root).toEqual({ index: 1, word: 'red' });
    expect(response.results[2].error).toEqual({ code: 'NO_COLOUR', message: 'names no colour' });
  });

  it('resends the image bytes only on a cache miss (hash-first)', async () => {
    const other = syntheticScene(32, 32, { green: [0, 0, 9, 9] });
    engine.inputs.length = 0;
    const first = await w.client.segment(other.bytes, ['green']);
    expect(first).toMatchObject({ sentImageBytes: true, attempts: 2 });
    expect(first.response.imageCacheHit).toBe(false);
    const second = await w.client.segment(other.bytes, ['the green one']);
    expect(second).toMatchObject({ sentImageBytes: false, attempts: 1 });
    expect(second.response.imageCacheHit).toBe(true);
    expect(iou(maskOf(second.response, 0), other.truth.green)).toBe(1);
    // The miss was answered before the engine ran: it saw the bytes once and the hash once.
    expect(engine.inputs).toEqual(['bytes', 'sha256']);
  });

  it("keys the image cache by cache_namespace: one namespace's cached image is a miss in another (no shared hit)", async () => {
    const scene = syntheticScene(24, 24, { red: [2, 2, 12, 12] });
    const sha = sha256Hex(scene.bytes);
    const a = await w.client.segmentRaw({ imageData: scene.bytes, expressions: ['red'], cacheNamespace: 'tenant-a' });
    expect(a.imageCacheHit).toBe(false);
    // Hash-first from another namespace: not cached there, so the caller must send (and pay for) the bytes.
    const miss = await w.client.segmentRaw({ imageSha256: sha, expressions: ['red'], cacheNamespace: 'tenant-b' }).catch((e: unknown) => e);
    expect(miss).toBeInstanceOf(WorkerCallError);
    expect((miss as WorkerCallError).code).toBe('IMAGE_NOT_CACHED');
    const b = await w.client.segmentRaw({ imageData: scene.bytes, expressions: ['red'], cacheNamespace: 'tenant-b' });
    expect(b.imageCacheHit).toBe(false);
    expect(Object.keys(b.timingsMs).length).toBeGreaterThan(0);
    const again = await w.client.segmentRaw({ imageSha256: sha, expressions: ['red'], cacheNamespace: 'tenant-a' });
    expect(again.imageCacheHit).toBe(true);
    const bad = await w.client.segmentRaw({ imageSha256: sha, expressions: ['red'], cacheNamespace: 'a b' }).catch((e: unknown) => e);
    expect((bad as WorkerCallError).status).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('reports itself in GetInfo', async () => {
    const info = await w.client.getInfo();
    expect(info).toMatchObject({
      packName: 'colour-test-engine',
      packChecksum: 'c010a7',
      executionProvider: 'cpu',
      maxConcurrent: 2,
      maxQueue: 8,
      queueDepth: 0,
      inFlight: 0,
      version: '0.0.0-test',
      maxExpressions: 64,
    });
    expect(info.cache?.entries).toBeGreaterThanOrEqual(2);
    expect(info.cache?.hits).toBeGreaterThanOrEqual(1);
  });

  it('returns the attention map only when asked', async () => {
    // The colour engine has no attention map: the field stays empty either way, and the flag reaches the engine.
    const { response } = await w.client.segment(scene.bytes, ['red'], { returnAttention: true });
    expect(response.results[0].result?.attention).toBeNull();
  });
});

describe('worker: load, deadlines, cancellation', () => {
  it('50 concurrent calls at concurrency 2: each completes once or gets RESOURCE_EXHAUSTED', async () => {
    const engine = new ColourEngine();
    engine.delayMs = 40;
    const w = await startTestWorker(engine, { concurrency: 2, maxQueue: 8 });
    try {
      await w.server.ready;
      const calls = Array.from({ length: 50 }, (_, i) =>
        w.client
          .segment(scene.bytes, [`red #${i}`], undefined, { hashFirst: false, requestId: `call-${i}` })
          .then(
            (r) => ({ i, ok: true as const, requestId: r.response.requestId }),
            (e: WorkerCallError) => ({ i, ok: false as const, status: e.status, code: e.code }),
          ),
      );
      const outcomes = await Promise.all(calls);
      const ok = outcomes.filter((o) => o.ok);
      const refused = outcomes.filter((o) => !o.ok);
      expect(ok.length + refused.length).toBe(50);
      for (const r of refused) expect(r).toMatchObject({ status: grpc.status.RESOURCE_EXHAUSTED, code: 'QUEUE_FULL' });
      // At least the running and queued calls finish; nothing ran twice or got lost.
      expect(ok.length).toBeGreaterThanOrEqual(10);
      expect(refused.length).toBeGreaterThan(0);
      for (const o of ok) expect(o.requestId).toBe(`call-${o.i}`);
      expect([...engine.completed].sort()).toEqual(ok.map((o) => `red #${o.i}`).sort());
      expect(w.server.limiter.inFlight).toBe(0);
      expect(w.server.limiter.queueDepth).toBe(0);
    } finally {
      await w.close();
    }
  });

  it('honours a 100 ms deadline, aborts the engine and stays healthy', async () => {
    const engine = new ColourEngine();
    engine.delayMs = 5_000;
    const w = await startTestWorker(engine, { concurrency: 1, maxQueue: 4 });
    try {
      await w.server.ready;
      const started = Date.now();
      const err = await w.client
        .segment(scene.bytes, ['red'], undefined, { hashFirst: false, deadlineMs: 100 })
        .catch((e) => e);
      expect(err).toBeInstanceOf(WorkerCallError);
      expect(err.status).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).toBeLessThan(4_000);
      await expect.poll(() => engine.aborted, { timeout: 2_000 }).toBe(1);
      await expect.poll(() => w.server.limiter.inFlight).toBe(0);
      expect(engine.completed).toEqual([]);
      expect(await w.health()).toBe('SERVING');
      engine.delayMs = 0;
      const { response } = await w.client.segment(scene.bytes, ['red']);
      expect(iou(maskOf(response, 0), scene.truth.red)).toBe(1);
    } finally {
      await w.close();
    }
  });

  it('a client cancel aborts a queued call and the running one', async () => {
    const engine = new ColourEngine();
    engine.delayMs = 5_000;
    const w = await startTestWorker(engine, { concurrency: 1, maxQueue: 4 });
    try {
      await w.server.ready;
      const controller = new AbortController();
      const running = w.client
        .segment(scene.bytes, ['red 1'], undefined, { hashFirst: false, signal: controller.signal })
        .catch((e) => e);
      await expect.poll(() => w.server.limiter.inFlight).toBe(1);
      const queued = w.client
        .segment(scene.bytes, ['red 2'], undefined, { hashFirst: false, signal: controller.signal })
        .catch((e) => e);
      await expect.poll(() => w.server.limiter.queueDepth).toBe(1);
      controller.abort();
      expect((await running).status).toBe(grpc.status.CANCELLED);
      expect((await queued).status).toBe(grpc.status.CANCELLED);
      // The running call is aborted; the queued one either leaves the queue or, if the freed slot reached it before
      // its own cancel did, is aborted in the engine too. Either way nothing completes.
      await expect.poll(() => engine.aborted).toBeGreaterThanOrEqual(1);
      await expect.poll(() => w.server.limiter.queueDepth + w.server.limiter.inFlight).toBe(0);
      expect(engine.completed).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it('during the drain grace period health is NOT_SERVING and new calls get UNAVAILABLE (DRAINING)', async () => {
    const engine = new ColourEngine();
    engine.delayMs = 300;
    const w = await startTestWorker(engine, { concurrency: 1, maxQueue: 4 });
    try {
      await w.server.ready;
      const running = w.client.segment(scene.bytes, ['red 1'], undefined, { hashFirst: false });
      await expect.poll(() => w.server.limiter.inFlight).toBe(1);
      const drained = w.server.drain(5_000, 1_000);
      expect(await w.health()).toBe('NOT_SERVING');
      const refused = await w.client.segment(scene.bytes, ['red 2'], undefined, { hashFirst: false }).catch((e) => e);
      expect(refused).toMatchObject({ status: grpc.status.UNAVAILABLE, code: 'DRAINING' });
      expect((await running).response.results[0].outcome).toBe('result');
      await drained;
      expect(engine.completed).toEqual(['red 1']);
    } finally {
      await w.close();
    }
  });

  it('drain finishes in-flight calls and refuses new ones', async () => {
    const engine = new ColourEngine();
    engine.delayMs = 300;
    const w = await startTestWorker(engine, { concurrency: 1, maxQueue: 4 });
    try {
      await w.server.ready;
      const inFlight = [1, 2].map((i) =>
        w.client.segment(scene.bytes, [`red ${i}`], undefined, { hashFirst: false }),
      );
      await expect.poll(() => w.server.limiter.queueDepth).toBe(1);
      const drained = w.server.drain(5_000);
      const late = await w.client.segment(scene.bytes, ['red late'], undefined, { hashFirst: false }).catch((e) => e);
      expect(late.status).toBe(grpc.status.UNAVAILABLE);
      const done = await Promise.all(inFlight);
      expect(done.map((d) => d.response.results[0].outcome)).toEqual(['result', 'result']);
      await drained;
      expect(w.server.state).toBe('stopped');
      expect(engine.disposed).toBe(true);
      expect(engine.completed.sort()).toEqual(['red 1', 'red 2']);
    } finally {
      await w.close();
    }
  });
});
