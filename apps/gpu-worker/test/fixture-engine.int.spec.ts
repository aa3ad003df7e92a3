import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExpression, decodeRle, MAX_EXPRESSION_CHARS, maskIou, TextFrontEnd } from '@refdiff/pipeline';
import { syntheticSamples } from '@refdiff/synthetic';
import { WorkerCallError } from '@refdiff/worker-contract';
import { loadWorkerConfig } from '../src/config/env';
import { loadEngine } from '../src/engine/load-engine';
import { startTestWorker } from './support/test-worker';

// The real engine (createRefDiff on loadPack) on the fixture pack, generated into a fresh cache folder through the
// same loader `refdiff worker` uses, served over gRPC to a real client.
let cacheDir: string;
let w: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'refdiff-worker-fixture-'));
  const config = loadWorkerConfig({ REFDIFF_CACHE_DIR: cacheDir, REFDIFF_THREADS: '1' });
  w = await startTestWorker(() => loadEngine(config, pino({ level: 'silent' })), {
    concurrency: 1,
    maxImageBytes: 4 * 1024 * 1024,
  });
}, 300_000);

afterAll(async () => {
  await w?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const png = (rgb: Uint8Array, width: number, height: number) =>
  sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();

describe('worker on the fixture pack', () => {
  it('goes SERVING once the pack has loaded', async () => {
    await w.server.ready;
    expect(await w.health()).toBe('SERVING');
    const info = await w.client.getInfo();
    expect(info.packName).not.toBe('');
    expect(info.packChecksum).not.toBe('');
  }, 300_000);

  it('reports its pack limits and shares its tokenizer, so callers check expressions as it will', async () => {
    await w.server.ready;
    const info = await w.client.getInfo();
    expect(info.maxExpressionChars).toBe(MAX_EXPRESSION_CHARS);
    expect(info.packLimits).toMatchObject({ contextLength: 77 });
    expect(info.packLimits?.sdImageSize).toBeGreaterThan(0);
    const tok = await w.client.getTokenizer();
    expect(tok.sha256).toBe(info.packLimits?.tokenizerSha256);
    expect(createHash('sha256').update(tok.tokenizerJson).digest('hex')).toBe(tok.sha256);
    // the caller's check (checkExpression with the shared tokenizer) and the worker agree on an over-long expression
    const front = new TextFrontEnd({ json: tok.tokenizerJson, contextLength: tok.contextLength, startId: tok.startId, endId: tok.endId });
    const long = Array.from({ length: 80 }, () => 'red').join(' ');
    expect(checkExpression(long, front)).toMatchObject({ code: 'EXPRESSION_TOO_LONG' });
    expect(checkExpression('the red square', front)).toBeNull();
    const scene = [...syntheticSamples({ seed: 3, count: 1 })][0].scene;
    const { response } = await w.client.segment(await png(scene.image, scene.width, scene.height), [long], undefined, { deadlineMs: 120_000 });
    expect(response.results[0].error?.code).toBe('EXPRESSION_TOO_LONG');
  }, 300_000);

  it('segments synthetic scenes: IoU >= 0.9 against the ground truth', async () => {
    await w.server.ready;
    const samples = [...syntheticSamples({ seed: 7, count: 3 })];
    for (const sample of samples) {
      const { scene, expression } = sample;
      const bytes = await png(scene.image, scene.width, scene.height);
      const { response } = await w.client.segment(bytes, [expression.text], undefined, { deadlineMs: 120_000 });
      const outcome = response.results[0];
      expect(outcome.outcome, `${sample.id} "${expression.text}": ${outcome.error?.message}`).toBe('result');
      const rle = outcome.result?.mask?.rle;
      if (!rle) throw new Error('no mask');
      expect([rle.height, rle.width]).toEqual([scene.height, scene.width]);
      const mask = decodeRle({ size: [rle.height, rle.width], counts: rle.counts });
      const iou = maskIou(mask, scene.masks[expression.target]);
      expect(iou, `${sample.id} "${expression.text}"`).toBeGreaterThanOrEqual(0.9);
    }
  }, 300_000);

  it('hash-first on the real engine: a second call sends no bytes and hits the image cache', async () => {
    await w.server.ready;
    const [{ scene, expression }] = [...syntheticSamples({ seed: 11, count: 1 })];
    const bytes = await png(scene.image, scene.width, scene.height);
    const first = await w.client.segment(bytes, [expression.text], undefined, { deadlineMs: 120_000 });
    expect(first).toMatchObject({ sentImageBytes: true, attempts: 2 });
    const second = await w.client.segment(bytes, [expression.text], { returnAttention: true }, { deadlineMs: 120_000 });
    expect(second).toMatchObject({ sentImageBytes: false, attempts: 1 });
    expect(second.response.imageCacheHit).toBe(true);
    expect(first.response.results[0].result?.attention).toBeNull();
    // the attention map travels as [H, W] float32 little-endian values in [0, 1]
    const attention = second.response.results[0].result?.attention;
    expect(attention).toMatchObject({ width: scene.width, height: scene.height });
    const data = attention?.data ?? Buffer.alloc(0);
    expect(data.length).toBe(scene.width * scene.height * 4);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < data.length; i += 4) {
      const v = data.readFloatLE(i);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(min);
  }, 300_000);

  it('a 100 ms deadline reaches the real engine; the worker stays healthy and serves the next call', async () => {
    await w.server.ready;
    const [{ scene, expression }] = [...syntheticSamples({ seed: 23, count: 1 })];
    const bytes = await png(scene.image, scene.width, scene.height);
    const err = await w.client
      .segment(bytes, [expression.text], undefined, { hashFirst: false, deadlineMs: 100 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(WorkerCallError);
    expect(err.status).toBe(grpc.status.DEADLINE_EXCEEDED);
    // the engine stops at its next abort check and frees the slot
    await expect.poll(() => w.server.limiter.inFlight, { timeout: 60_000, interval: 100 }).toBe(0);
    // the engine gave up (ABORTED → DEADLINE_EXCEEDED); had it ignored the signal, the call would count as OK
    const requests = await w.server.metrics.registry.getSingleMetricAsString('refdiff_worker_requests_total');
    expect(requests).toContain('refdiff_worker_requests_total{method="Segment",code="DEADLINE_EXCEEDED"} 1');
    expect(await w.health()).toBe('SERVING');
    const { response } = await w.client.segment(bytes, [expression.text], undefined, { deadlineMs: 120_000 });
    expect(response.results[0].outcome).toBe('result');
  }, 300_000);

  it('garbage bytes are INVALID_ARGUMENT from the real image gate', async () => {
    await w.server.ready;
    const err = await w.client
      .segmentRaw({ imageData: Buffer.from('definitely not an image'), expressions: ['the red square'] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(WorkerCallError);
    expect(err.status).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.message.length).toBeGreaterThan(0);
    expect(await w.health()).toBe('SERVING');
  }, 60_000);
});
