import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors/pipeline.errors';
import { boxIou, boxNms } from './box-nms';
import { composeAxis, SamMaskUpscaler } from './mask-upscale';
import { filterProposals, fullImageMask } from './proposal-filter';
import { samGeometry, samPointGrid } from './sam-geometry';
import { passesPredIou, passesStability, SamMaskGenerator, stabilityScore } from './sam-mask-generator';

/** torch-style bilinear (align_corners=False), float64, one plane: the reference the composed taps must match. */
function bilinear(src: Float64Array, inH: number, inW: number, outH: number, outW: number): Float64Array {
  const out = new Float64Array(outH * outW);
  const c = (d: number, i: number, o: number) => {
    const s = Math.max((d + 0.5) * (i / o) - 0.5, 0);
    const a = Math.min(Math.floor(s), i - 1);
    return [a, Math.min(a + 1, i - 1), s - a] as const;
  };
  for (let y = 0; y < outH; y++) {
    const [y0, y1, ly] = c(y, inH, outH);
    for (let x = 0; x < outW; x++) {
      const [x0, x1, lx] = c(x, inW, outW);
      out[y * outW + x] =
        (1 - ly) * ((1 - lx) * src[y0 * inW + x0] + lx * src[y0 * inW + x1]) + ly * ((1 - lx) * src[y1 * inW + x0] + lx * src[y1 * inW + x1]);
    }
  }
  return out;
}

/** segment-anything postprocess_masks, literally: S → L, crop to the resized extent, → H×W. */
function samPostprocess(low: Float32Array, g: ReturnType<typeof samGeometry>): Float64Array {
  const big = bilinear(Float64Array.from(low), g.lowResSize, g.lowResSize, g.inputSize, g.inputSize);
  const crop = new Float64Array(g.resizedHeight * g.resizedWidth);
  for (let y = 0; y < g.resizedHeight; y++) for (let x = 0; x < g.resizedWidth; x++) crop[y * g.resizedWidth + x] = big[y * g.inputSize + x];
  return bilinear(crop, g.resizedHeight, g.resizedWidth, g.height, g.width);
}

function blobLogits(s: number, cx: number, cy: number, r: number, slope: number, noise: () => number): Float32Array {
  const out = new Float32Array(s * s);
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) out[y * s + x] = slope * (r - Math.hypot(x - cx, y - cy)) + noise();
  return out;
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
}

describe('samPointGrid', () => {
  it('places n² points at (i + ½)/n, x fastest, in the resized frame', () => {
    const g = samGeometry(200, 100, 64, 16); // resized 64×32
    const p = samPointGrid(g, 2);
    // grid 0.25, 0.75 → x·200·(64/200) = 16, 48; y·100·(32/100) = 8, 24
    expect(Array.from(p)).toEqual([16, 8, 48, 8, 16, 24, 48, 24]);
    expect(samPointGrid(samGeometry(1024, 1024), 32).length).toBe(2048);
  });
});

describe('SamMaskUpscaler', () => {
  // up- and down-scaling second stages (images larger and smaller than the input square), odd sizes
  const geometries = [samGeometry(1024, 1024, 1024, 256), samGeometry(75, 50, 64, 16), samGeometry(40, 90, 64, 16), samGeometry(130, 130, 64, 16), samGeometry(40, 30, 64, 16), samGeometry(23, 37, 64, 16)];

  it('composed taps have non-negative weights summing to 1', () => {
    for (const g of geometries) {
      for (const ax of [composeAxis(g.lowResSize, g.inputSize, g.resizedWidth, g.width), composeAxis(g.lowResSize, g.inputSize, g.resizedHeight, g.height)]) {
        for (let o = 0; o < ax.outSize; o++) {
          let sum = 0;
          for (let j = 0; j < ax.k; j++) {
            expect(ax.weights[o * ax.k + j]).toBeGreaterThanOrEqual(0);
            sum += ax.weights[o * ax.k + j];
          }
          expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
          expect(ax.start[o] + ax.k).toBeLessThanOrEqual(g.lowResSize);
        }
      }
    }
  });

  it('logits() equals the two-stage SAM postprocess within 1e-4 (float32 taps)', () => {
    const rnd = lcg(3);
    for (const g of geometries.slice(1)) {
      const low = Float32Array.from({ length: g.lowResSize ** 2 }, () => rnd() * 20);
      const got = new SamMaskUpscaler(g).logits(low);
      const want = samPostprocess(low, g);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4);
    }
  });

  it('stats() and mask() agree with counting the brute-force upscaled map (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...geometries.slice(1)),
        fc.double({ min: 0, max: 16, noNaN: true }),
        fc.double({ min: 0, max: 16, noNaN: true }),
        fc.double({ min: 0.5, max: 12, noNaN: true }),
        fc.double({ min: 0.2, max: 30, noNaN: true }),
        fc.integer(),
        (g, cx, cy, r, slope, seed) => {
          const low = blobLogits(g.lowResSize, cx, cy, r, slope, lcg(seed));
          const ref = samPostprocess(low, g);
          let hi = 0;
          let lo = 0;
          let area = 0;
          let box = [Infinity, Infinity, -1, -1];
          const up = new SamMaskUpscaler(g);
          const mask = up.mask(low, 0);
          for (let y = 0; y < g.height; y++) {
            for (let x = 0; x < g.width; x++) {
              const v = ref[y * g.width + x];
              if (Math.abs(v) < 1e-4 || Math.abs(Math.abs(v) - 1) < 1e-4) return; // too close to call across float paths
              if (v > 1) hi++;
              if (v > -1) lo++;
              if (v > 0) {
                area++;
                box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)];
              }
              expect(mask[y * g.width + x]).toBe(v > 0 ? 1 : 0);
            }
          }
          const st = up.stats(low, 0, 1);
          expect([st.countHigh, st.countLow, st.area]).toEqual([hi, lo, area]);
          expect(st.box).toEqual(area ? box : [0, 0, 0, 0]);
        },
      ),
      { numRuns: 60 },
    );
  }, 300_000);

  it('rejects non-finite logits, naming the cell', () => {
    const low = new Float32Array(256).fill(-5);
    low[3 * 16 + 7] = NaN;
    expect(() => new SamMaskUpscaler(samGeometry(10, 10, 64, 16)).stats(low, 0, 1)).toThrow(/row 3, col 7 is NaN/);
  });

  it('rejects low-res logits of the wrong size', () => {
    expect(() => new SamMaskUpscaler(samGeometry(10, 10, 64, 16)).stats(new Float32Array(10), 0, 1)).toThrow(/length 10, expected 256/);
  });
});

describe('stability, NMS and the generator', () => {
  it('stabilityScore: hand values and 0 for nothing above the low threshold', () => {
    expect(stabilityScore(95, 100)).toBe(Math.fround(0.95));
    expect(stabilityScore(0, 0)).toBe(0);
  });

  it('stability and predicted IoU are compared in float32, as torch compares a float32 tensor with a Python float', () => {
    // 1138460 / 1198379 = 0.94999995827… < 0.95 in float64, but its float32 is fround(0.95): SAM keeps the mask
    expect(1138460 / 1198379 < 0.95).toBe(true);
    expect(passesStability(1138460, 1198379, 0.95)).toBe(true);
    expect(passesStability(1138459, 1198379, 0.95)).toBe(false);
    // 0.92 rounds up in float32; a ratio just under it (0.91999998688…) rounds onto it and passes
    expect(Math.fround(0.92) > 0.92).toBe(true);
    expect(2806379 / 3050412 < 0.92).toBe(true);
    expect(passesStability(2806379, 3050412, 0.92)).toBe(true);
    expect(passesStability(23, 25, 0.92)).toBe(true);
    // an iou of exactly fround(0.92) is > 0.92 in float64 but not > fround(0.92): SAM drops it
    expect(Math.fround(0.92) > 0.92).toBe(true);
    expect(passesPredIou(Math.fround(0.92), 0.92)).toBe(false);
    expect(passesPredIou(Math.fround(0.9200001), 0.92)).toBe(true);
    // 0/0 is NaN in torch: never passes, even at threshold 0
    expect(passesStability(0, 0, 0)).toBe(false);
    expect(passesStability(0, 5, 0)).toBe(true);
  });

  it('the generator drops a mask whose predicted IoU equals float32(0.92) at predIouThresh 0.92', () => {
    const g = samGeometry(64, 64, 64, 16);
    const low = new Float32Array(3 * 256).fill(-20);
    low.set(blobLogits(16, 8, 8, 4, 20, () => 0), 0);
    low.set(blobLogits(16, 4, 4, 2, 20, () => 0), 256);
    const gen = new SamMaskGenerator(g, { predIouThresh: 0.92, stabilityScoreThresh: 0 });
    gen.addBatch({ iouScores: Float32Array.from([0.92, 0.93, 0]), lowResLogits: low, points: 1 });
    expect(gen.finish().map((c) => c.multimask)).toEqual([1]);
    expect(gen.counts.passedIou).toBe(1);
  });

  it('boxIou uses (x1 − x0)·(y1 − y0) like torchvision on SAM boxes', () => {
    const b = Float64Array.from([0, 0, 10, 10, 5, 0, 15, 10, 3, 3, 3, 3]);
    expect(boxIou(b, 0, 1)).toBeCloseTo(50 / 150, 12);
    expect(boxIou(b, 0, 2)).toBe(0); // zero-area box
  });

  it('boxNms: hand example, ties broken by index', () => {
    const boxes = Float64Array.from([0, 0, 10, 10, 1, 1, 10, 10, 20, 20, 30, 30, 0, 0, 10, 10]);
    expect(Array.from(boxNms(boxes, [0.9, 0.95, 0.5, 0.9], 0.7))).toEqual([1, 2]);
    expect(Array.from(boxNms(boxes, [0.9, 0.1, 0.5, 0.9], 0.7))).toEqual([0, 2]);
  });

  it('boxNms invariants: the best box is kept, kept boxes overlap ≤ t, every dropped box overlaps a better kept one', () => {
    const box = fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(box, fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (items, t) => {
        const boxes = Float64Array.from(items.flatMap(([[x, y, w, h]]) => [x, y, x + w, y + h]));
        const scores = items.map(([, s]) => s);
        const keep = Array.from(boxNms(boxes, scores, t));
        const best = scores.indexOf(Math.max(...scores));
        expect(keep[0]).toBe(best);
        for (const i of keep) for (const j of keep) if (i !== j) expect(boxIou(boxes, i, j)).toBeLessThanOrEqual(t);
        for (let j = 0; j < scores.length; j++) {
          if (keep.includes(j)) continue;
          expect(keep.some((i) => (scores[i] > scores[j] || (scores[i] === scores[j] && i < j)) && boxIou(boxes, i, j) > t)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the generator applies IoU, stability and NMS filters as SAM does', () => {
    const g = samGeometry(64, 64, 64, 16);
    const plane = 256;
    const low = new Float32Array(2 * 3 * plane).fill(-20);
    const put = (p: number, m: number, data: Float32Array) => low.set(data, (p * 3 + m) * plane);
    const noise = () => 0;
    put(0, 0, blobLogits(16, 8, 8, 4, 20, noise)); // sharp: stable
    put(0, 1, blobLogits(16, 8, 8, 4, 0.3, noise)); // soft edge: unstable
    put(0, 2, blobLogits(16, 8, 8, 4.05, 20, noise)); // near-duplicate of (0,0) with lower iou: NMS drops it
    put(1, 0, blobLogits(16, 3, 3, 2, 20, noise)); // low predicted IoU: dropped first
    put(1, 1, blobLogits(16, 12, 12, 2.5, 200, noise)); // small but sharp: kept
    const iouScores = Float32Array.from([0.95, 0.95, 0.9, 0.5, 0.92, 0.99]);
    const gen = new SamMaskGenerator(g);
    gen.addBatch({ iouScores, lowResLogits: low, points: 2 }, 10);
    const kept = gen.finish();
    expect(gen.counts).toEqual({ decoded: 6, passedIou: 5, passedStability: 3, kept: 2 });
    expect(kept.map((c) => [c.point, c.multimask])).toEqual([
      [10, 0],
      [11, 1],
    ]);
    const m = gen.mask(kept[0]);
    let area = 0;
    for (const v of m) area += v;
    expect(area).toBe(kept[0].area);
    expect(kept[0].stability).toBeGreaterThanOrEqual(0.95);
  });

  it('masks materialised from the stored support equal masks from the full logits (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(samGeometry(75, 50, 64, 16), samGeometry(40, 30, 64, 16)),
        fc.double({ min: 0, max: 16, noNaN: true }),
        fc.double({ min: 0, max: 16, noNaN: true }),
        fc.double({ min: 0.5, max: 10, noNaN: true }),
        fc.integer(),
        (g, cx, cy, r, seed) => {
          const noise = lcg(seed);
          const low = blobLogits(16, cx, cy, r, 3, () => noise() * 4);
          const gen = new SamMaskGenerator(g, { predIouThresh: -1, stabilityScoreThresh: 0, boxNmsThresh: 1 });
          const batch = new Float32Array(3 * 256).fill(-50);
          batch.set(low, 0);
          gen.addBatch({ iouScores: Float32Array.from([1, 0, 0]), lowResLogits: batch, points: 1 });
          const kept = gen.finish().filter((c) => c.multimask === 0);
          // nothing above the low threshold: 0/0 is NaN in SAM and never passes, even at threshold 0
          if (new SamMaskUpscaler(g).stats(low, 0, 1).countLow === 0) {
            expect(kept.length).toBe(0);
            return;
          }
          expect(kept.length).toBe(1);
          expect(gen.mask(kept[0])).toEqual(new SamMaskUpscaler(g).mask(low, 0));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects batches whose sizes do not match, and NaN predicted IoU', () => {
    const gen = new SamMaskGenerator(samGeometry(64, 64, 64, 16));
    expect(() => gen.addBatch({ iouScores: new Float32Array(3), lowResLogits: new Float32Array(10), points: 1 })).toThrow(/lowResLogits has length 10/);
    expect(() => gen.addBatch({ iouScores: Float32Array.from([NaN, 0, 0]), lowResLogits: new Float32Array(768), points: 1 }, 4)).toThrow(/point 4\) is NaN/);
  });
});

describe('reference proposal filter', () => {
  it('keeps the topK largest above the area floor (ties: earlier index), flags the rest', () => {
    expect(Array.from(filterProposals([5, 50, 20000, 12000, 20000], { topK: 3, minArea: 10000 }))).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(filterProposals([20000, 9000, 30000], { topK: 10, minArea: 10000 }))).toEqual([1, 0, 1]);
    expect(Array.from(filterProposals([3, 3, 3], { topK: 2 }))).toEqual([1, 1, 0]);
    expect(Array.from(filterProposals([100, 200], { topK: 2, minAreaRatio: 0.1, imageArea: 1500 }))).toEqual([0, 1]);
  });
  it('full-image fallback and bad input', () => {
    expect(fullImageMask(2, 3)).toEqual(new Uint8Array(6).fill(1));
    expect(() => fullImageMask(0, 3)).toThrow(PipelineError);
    expect(() => filterProposals([1], { topK: -1 })).toThrow(/topK/);
  });
});
