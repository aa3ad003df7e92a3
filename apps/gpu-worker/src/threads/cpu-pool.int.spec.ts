import { afterAll, describe, expect, it } from 'vitest';
import {
  inlineSamPostProcessor,
  PipelineError,
  SAM_AMG_DEFAULTS,
  samGeometry,
  type SamDecodeResult,
  type SamPostProcessor,
  type SamProposals,
} from '@refdiff/pipeline';
import { CpuThreadPool } from './cpu-pool';

// Real worker threads (the pool the GPU worker runs) against the inline processor, on decoder batches of blobs:
// the proposals must be the same bytes, batches must travel without copies, errors must keep their codes.

const geometry = samGeometry(160, 120, 256, 64);
const S = geometry.lowResSize;

/**
 * A seeded decoder batch: each point sees one elliptical blob, its 3 masks the blob at radii ×1, ×1.06, ×1.12 (so
 * NMS has duplicates to drop); edges from soft to sharp (2–20 logits a low-res pixel); IoU in [0.8, 1).
 */
function batch(points: number, seed: number, memory: 'plain' | 'shared' | 'view' = 'plain'): SamDecodeResult {
  let s = seed >>> 0 || 1;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const n = points * 3 * S * S;
  const buffer =
    memory === 'shared' ? new SharedArrayBuffer(n * 4) : memory === 'view' ? new ArrayBuffer((n + 64) * 4) : new ArrayBuffer(n * 4);
  const lowResLogits = new Float32Array(buffer, memory === 'view' ? 128 : 0, n);
  const iouScores = new Float32Array(points * 3);
  for (let p = 0; p < points; p++) {
    const cx = rnd() * S;
    const cy = rnd() * S;
    const rx = 3 + rnd() * S * 0.25;
    const ry = 3 + rnd() * S * 0.25;
    const slope = 2 + rnd() * 18;
    for (let j = 0; j < 3; j++) {
      const m = p * 3 + j;
      const grow = 1 + 0.06 * j;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const d = Math.hypot((x - cx) / (rx * grow), (y - cy) / (ry * grow));
          lowResLogits[m * S * S + y * S + x] = Math.max(-30, Math.min(30, slope * rx * grow * (1 - d)));
        }
      }
      iouScores[m] = 0.8 + 0.2 * rnd();
    }
  }
  return { points, iouScores, lowResLogits };
}

async function run(post: SamPostProcessor, batches: SamDecodeResult[]): Promise<SamProposals> {
  const session = post.open(geometry, SAM_AMG_DEFAULTS);
  try {
    let first = 0;
    for (const b of batches) {
      await session.addBatch(b, first);
      first += b.points;
    }
    return (await session.finish()).proposals;
  } finally {
    session.close();
  }
}

const copyOf = (b: SamDecodeResult): SamDecodeResult => ({ points: b.points, iouScores: b.iouScores.slice(), lowResLogits: b.lowResLogits.slice() });

const pools: CpuThreadPool[] = [];
afterAll(() => Promise.all(pools.map((p) => p.close())));

describe('CpuThreadPool: SAM post-processing on worker threads', () => {
  it('gives the inline proposals byte for byte, whatever memory the batches live in', async () => {
    const pool = new CpuThreadPool({ threads: 2 });
    pools.push(pool);
    const batches = [batch(8, 1), batch(8, 2, 'shared'), batch(8, 3, 'view'), batch(5, 4)];
    const inline = await run(inlineSamPostProcessor, batches.map(copyOf));
    const threaded = await run(pool, batches.map(copyOf));
    expect(inline.stages.kept).toBeGreaterThan(2); // the scene has something to keep, and NMS had work
    expect(inline.stages.passedStability).toBeGreaterThan(inline.stages.kept);
    expect(threaded.stages).toEqual(inline.stages);
    expect(threaded.areas).toEqual(inline.areas);
    expect(threaded.boxes).toEqual(inline.boxes);
    expect(threaded.masks.length).toBe(inline.masks.length);
    threaded.masks.forEach((m, i) => expect(Buffer.from(m).equals(Buffer.from(inline.masks[i]))).toBe(true));
    threaded.runs.forEach((r, i) => expect(Array.from(r)).toEqual(Array.from(inline.runs[i])));
  }, 60_000);

  it('moves batches without copies: a plain buffer is transferred (detached here), a shared one stays readable', async () => {
    const pool = new CpuThreadPool({ threads: 1 });
    pools.push(pool);
    const plain = batch(4, 5);
    const shared = batch(4, 6, 'shared');
    const view = batch(4, 7, 'view');
    const session = pool.open(geometry, SAM_AMG_DEFAULTS);
    await session.addBatch(plain, 0);
    await session.addBatch(shared, 4);
    await session.addBatch(view, 8);
    const { workMs } = await session.finish();
    expect(plain.lowResLogits.byteLength).toBe(0); // transferred
    expect(shared.lowResLogits.length).toBe(4 * 3 * S * S); // shared memory: read in place, never detached
    expect(view.lowResLogits.length).toBe(4 * 3 * S * S); // a view into a larger buffer: only the view was copied
    expect(workMs).toBeGreaterThan(0); // the thread's own work time, reported as samPostMs
  }, 60_000);

  it('keeps at most maxPendingBatches of a session in the queue', async () => {
    const pool = new CpuThreadPool({ threads: 1, maxPendingBatches: 2 });
    pools.push(pool);
    const session = pool.open(geometry, SAM_AMG_DEFAULTS);
    let most = 0;
    for (let i = 0; i < 6; i++) {
      const p = session.addBatch(batch(8, 10 + i), i * 8);
      most = Math.max(most, pool.stats().pendingBatches);
      await p;
      expect(pool.stats().pendingBatches).toBeLessThan(2);
    }
    expect(most).toBeLessThanOrEqual(2);
    await session.finish();
    expect(pool.stats()).toMatchObject({ sessions: 0, pendingBatches: 0 });
  }, 60_000);

  it('reports a batch error with its pipeline code, and the thread serves the next image', async () => {
    const pool = new CpuThreadPool({ threads: 1 });
    pools.push(pool);
    const bad = batch(2, 20);
    bad.iouScores[1] = Number.NaN;
    const session = pool.open(geometry, SAM_AMG_DEFAULTS);
    const err = await (async () => {
      await session.addBatch(bad, 0);
      await session.addBatch(batch(2, 21), 2);
      return session.finish();
    })().catch((e: unknown) => e);
    session.close();
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ code: 'INVALID_VALUE' });
    expect((err as Error).message).toMatch(/iouScores\[1\].*NaN/);
    const next = await run(pool, [batch(6, 22)]);
    expect(next).toEqual(await run(inlineSamPostProcessor, [batch(6, 22)]));
  }, 60_000);

  it('fails the sessions of a closed pool instead of leaving them waiting', async () => {
    const pool = new CpuThreadPool({ threads: 1 });
    const session = pool.open(geometry, SAM_AMG_DEFAULTS);
    await session.addBatch(batch(2, 30), 0);
    const failed = expect(session.finish()).rejects.toMatchObject({ code: 'INTERNAL' });
    await pool.close();
    await failed;
    expect(() => pool.open(geometry, SAM_AMG_DEFAULTS)).toThrow(/closed/);
  }, 60_000);
});
