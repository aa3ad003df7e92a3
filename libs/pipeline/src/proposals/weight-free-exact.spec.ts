import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomSmoothMap } from '../bench/pipeline-bench';
import { maskBox } from '../masks/binary-mask';
import { weightFreeBoxes, weightFreeMask, weightFreeMasks, weightFreeProposals } from './weight-free-proposals';

/**
 * The level pass and scores of weightFreeProposals before the run-following loop (commit d788416), verbatim in its
 * arithmetic: a 4,096-bucket lookup for every pixel, per-level sums flushed when the level changes. Given the same
 * thresholds the current implementation must produce the same level map and the same bits in areas and scores.
 */
function previous(map: Float32Array, thresholds: Float64Array) {
  const n = map.length;
  const nt = thresholds.length;
  const NB = 4096;
  const min = thresholds[0];
  const max = thresholds[nt - 1];
  const scale = max > min ? (NB - 1) / (max - min) : 0;
  const base = new Uint8Array(NB);
  const firstT = new Int16Array(NB).fill(-1);
  const lastT = new Int16Array(NB).fill(-2);
  const tb = new Int32Array(nt);
  for (let k = 0; k < nt; k++) {
    tb[k] = Math.min(NB - 1, Math.max(0, Math.floor((thresholds[k] - min) * scale)));
    if (firstT[tb[k]] < 0) firstT[tb[k]] = k;
    lastT[tb[k]] = k;
  }
  for (let b = 0, k = 0; b < NB; b++) {
    while (k < nt && tb[k] < b) k++;
    base[b] = k;
  }
  const levelMap = new Uint8Array(n);
  const cnt = new Float64Array(nt + 1);
  const sum = new Float64Array(nt + 1);
  let cur = 0;
  let runCount = 0;
  let runSum = 0;
  for (let i = 0; i < n; i++) {
    const v = map[i];
    const x = (v - min) * scale;
    const b = x >= 0 ? (x < NB ? x | 0 : NB - 1) : 0;
    let lvl = base[b];
    const f = firstT[b];
    if (f >= 0) for (let k = f; k <= lastT[b] && v >= thresholds[k]; k++) lvl++;
    levelMap[i] = lvl;
    if (lvl !== cur) {
      cnt[cur] += runCount;
      sum[cur] += runSum;
      cur = lvl;
      runCount = 0;
      runSum = 0;
    }
    runCount++;
    runSum += v;
  }
  cnt[cur] += runCount;
  sum[cur] += runSum;
  let total = 0;
  for (let l = 0; l <= nt; l++) total += sum[l];
  const areas = new Float64Array(nt);
  const scores = new Float64Array(nt);
  let cIn = 0;
  let sIn = 0;
  for (let k = nt - 1; k >= 0; k--) {
    cIn += cnt[k + 1];
    sIn += sum[k + 1];
    areas[k] = cIn;
    const cOut = n - cIn;
    scores[k] = cIn === 0 ? -Infinity : sIn / cIn - (cOut > 0 ? (total - sIn) / cOut : 0);
  }
  return { levelMap, areas, scores };
}

function expectSame(map: Float32Array, w: number, h: number, options: Parameters<typeof weightFreeProposals>[3]) {
  const p = weightFreeProposals(map, w, h, options);
  const want = previous(map, p.thresholds);
  // Object.is: the same float64 bits, including −Infinity for empty masks
  for (let k = 0; k < p.thresholds.length; k++) {
    if (!Object.is(p.areas[k], want.areas[k]) || !Object.is(p.scores[k], want.scores[k])) {
      expect({ k, area: p.areas[k], score: p.scores[k] }).toEqual({ k, area: want.areas[k], score: want.scores[k] });
    }
  }
  let differ = 0;
  for (let i = 0; i < map.length; i++) if (p.levelMap[i] !== want.levelMap[i]) differ++;
  expect(differ).toBe(0);
}

describe('weightFreeProposals is bit-identical to the previous level pass', () => {
  it('smooth maps like attention maps, both modes, several sizes', () => {
    for (const [size, seed] of [[1024, 1], [512, 2], [333, 3], [64, 4]] as const) {
      const map = randomSmoothMap(size, seed);
      expectSame(map, size, size, { mode: 'value' });
      expectSame(map, size, size, { mode: 'quantile' });
    }
  });

  it('noise (a new level at almost every pixel, long jumps), values on the thresholds, ties, custom levels', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer(),
        fc.constantFrom<'value' | 'quantile'>('value', 'quantile'),
        fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 25 }), { nil: undefined }),
        (w, h, q, seed, mode, lv) => {
          let s = seed >>> 0;
          const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
          // quantised values land exactly on k/20; a few outside [0, 1]
          const map = Float32Array.from({ length: w * h }, () => Math.round((rnd() * 1.2 - 0.1) * q) / q);
          const levels = lv ? [...lv].sort((a, b) => a - b).map((x) => x / 20) : undefined;
          expectSame(map, w, h, { mode, levels });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('repeated thresholds (equal quantiles of a map with large ties)', () => {
    const map = new Float32Array(100 * 100);
    for (let i = 0; i < map.length; i++) map[i] = i % 7 === 0 ? 0.3 : i % 3 === 0 ? 1 : 0;
    expectSame(map, 100, 100, { mode: 'quantile' });
    expectSame(map, 100, 100, { mode: 'value', levels: [0.1, 0.3, 0.3, 0.3, 0.9, 1, 1] });
  });
});

describe('weightFreeMasks and weightFreeBoxes', () => {
  it('equal weightFreeMask and maskBox of every M_k (property, empty masks included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer(), fc.boolean(), (w, h, seed, smooth) => {
        let s = seed >>> 0;
        const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        const cx = rnd() * w;
        const cy = rnd() * h;
        const map = Float32Array.from({ length: w * h }, (_, i) =>
          smooth ? Math.exp(-(((i % w) - cx) ** 2 + (Math.floor(i / w) - cy) ** 2) / (w * h * rnd() + 1)) * 0.9 : rnd() * 0.8,
        );
        const p = weightFreeProposals(map, w, h);
        const masks = weightFreeMasks(p);
        const boxes = weightFreeBoxes(p);
        for (let k = 0; k < p.thresholds.length; k++) {
          const want = weightFreeMask(p, k);
          expect(masks[k]).toEqual(want);
          expect(boxes[k]).toEqual(maskBox(want, w, h));
        }
      }),
      { numRuns: 200 },
    );
  });
});
