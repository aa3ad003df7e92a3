import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors/pipeline.errors';
import { generativeScores } from './generative-score';
import { quantileRanks, WEIGHT_FREE_LEVELS, weightFreeFailure, weightFreeMask, weightFreeProposals } from './weight-free-proposals';

/** numpy.quantile(x, q) (linear) by full sort, float64 */
function npQuantile(map: Float32Array, q: number): number {
  const s = Float64Array.from(map).sort();
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (pos - lo) * (s[hi] - s[lo]);
}

/** 19 full passes: the definition. */
function brute(map: Float32Array, thresholds: number[]) {
  return thresholds.map((t) => {
    let cIn = 0;
    let sIn = 0;
    let sOut = 0;
    const mask = new Uint8Array(map.length);
    for (let i = 0; i < map.length; i++) {
      if (map[i] >= t) {
        cIn++;
        sIn += map[i];
        mask[i] = 1;
      } else sOut += map[i];
    }
    const cOut = map.length - cIn;
    const score = cIn === 0 ? -Infinity : sIn / cIn - (cOut ? sOut / cOut : 0);
    return { area: cIn, score, mask };
  });
}

const mapArb = fc
  .tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 2, max: 1000 }))
  .chain(([w, h, levels]) =>
    fc.record({
      w: fc.constant(w),
      h: fc.constant(h),
      // quantised values make ties and values exactly on thresholds common
      data: fc.array(fc.integer({ min: 0, max: levels }), { minLength: w * h, maxLength: w * h }).map((a) => Float32Array.from(a, (v) => v / levels)),
    }),
  );

describe('weightFreeProposals', () => {
  it('value mode: areas, s_G and masks equal 19 brute-force passes (1e-9)', () => {
    fc.assert(
      fc.property(mapArb, ({ w, h, data }) => {
        const p = weightFreeProposals(data, w, h, { mode: 'value' });
        const want = brute(data, [...WEIGHT_FREE_LEVELS]);
        want.forEach((r, k) => {
          expect(p.thresholds[k]).toBe(WEIGHT_FREE_LEVELS[k]);
          expect(p.areas[k]).toBe(r.area);
          if (r.score === -Infinity) expect(p.scores[k]).toBe(-Infinity);
          else expect(Math.abs(p.scores[k] - r.score)).toBeLessThan(1e-9);
          expect(weightFreeMask(p, k)).toEqual(r.mask);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('quantile mode: thresholds are numpy linear quantiles; areas and s_G match brute force', () => {
    fc.assert(
      fc.property(mapArb, ({ w, h, data }) => {
        const p = weightFreeProposals(data, w, h, { mode: 'quantile' });
        const th = WEIGHT_FREE_LEVELS.map((q) => npQuantile(data, q));
        th.forEach((t, k) => expect(Math.abs(p.thresholds[k] - t)).toBeLessThan(1e-12));
        const want = brute(data, Array.from(p.thresholds));
        want.forEach((r, k) => {
          expect(p.areas[k]).toBe(r.area);
          expect(Math.abs(p.scores[k] - r.score)).toBeLessThan(1e-9);
          expect(weightFreeMask(p, k)).toEqual(r.mask);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('a 512² smooth float map: both modes equal brute force (areas exact, s_G within 1e-9)', () => {
    const n = 512;
    const map = new Float32Array(n * n);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) map[y * n + x] = 0.5 + 0.25 * Math.sin(x / 37) + 0.25 * Math.cos((x + 2 * y) / 53);
    for (const mode of ['value', 'quantile'] as const) {
      const p = weightFreeProposals(map, n, n, { mode });
      const want = brute(map, Array.from(p.thresholds));
      want.forEach((r, k) => {
        expect(p.areas[k]).toBe(r.area);
        expect(Math.abs(p.scores[k] - r.score)).toBeLessThan(1e-9);
      });
      if (mode === 'quantile') WEIGHT_FREE_LEVELS.forEach((q, k) => expect(Math.abs(p.thresholds[k] - npQuantile(map, q))).toBeLessThan(1e-12));
    }
  });

  it('hand-computed 2×2 example', () => {
    // c = [0, 0.2, 0.6, 1]: M(0.5) = {0.6, 1}: s_G = 0.8 − 0.1 = 0.7; M(0.05) = {0.2, 0.6, 1}: 0.6 − 0
    const p = weightFreeProposals(Float32Array.from([0, 0.2, 0.6, 1]), 2, 2);
    expect(p.areas[9]).toBe(2);
    expect(p.scores[9]).toBeCloseTo(0.7, 6);
    expect(p.scores[0]).toBeCloseTo(0.6, 6);
    // numpy.quantile([0, .2, .6, 1], 0.5) = 0.4
    const q = weightFreeProposals(Float32Array.from([0, 0.2, 0.6, 1]), 2, 2, { mode: 'quantile' });
    expect(q.thresholds[9]).toBeCloseTo(0.4, 6);
  });

  it('masks are nested (property)', () => {
    fc.assert(
      fc.property(mapArb, fc.constantFrom<'value' | 'quantile'>('value', 'quantile'), ({ w, h, data }, mode) => {
        const p = weightFreeProposals(data, w, h, { mode });
        for (let k = 1; k < 19; k++) expect(p.areas[k]).toBeLessThanOrEqual(p.areas[k - 1]);
      }),
      { numRuns: 50 },
    );
  });

  it('a constant map: every value-mode mask is empty or full, empty ones score −∞', () => {
    const p = weightFreeProposals(new Float32Array(6).fill(0.5), 3, 2);
    expect(Array.from(p.areas)).toEqual(WEIGHT_FREE_LEVELS.map((l) => (0.5 >= l ? 6 : 0)));
    expect(p.scores[0]).toBe(0.5); // full mask: mean inside 0.5, outside taken as 0
    expect(p.scores[18]).toBe(-Infinity);
  });

  it('rejects NaN naming the pixel, and shape mismatches', () => {
    const m = new Float32Array(4);
    m[3] = NaN;
    expect(() => weightFreeProposals(m, 2, 2)).toThrow(/map\[3\] \(row 1, col 1\) is NaN/);
    expect(() => weightFreeProposals(new Float32Array(5), 2, 2)).toThrow(PipelineError);
    expect(() => weightFreeProposals(new Float32Array(0), 0, 0)).toThrow(/positive/);
  });

  it('quantileRanks follows numpy linear interpolation', () => {
    expect(quantileRanks(0.5, 4)).toEqual({ lo: 1, hi: 2, frac: 0.5 });
    expect(quantileRanks(1, 4)).toEqual({ lo: 3, hi: 3, frac: 0 });
  });
});

describe('generativeScores', () => {
  it('agrees with the hand-computed mean difference; empty mask → −∞, full → mean', () => {
    const c = Float32Array.from([0, 0.2, 0.6, 1]);
    const s = generativeScores(c, [Uint8Array.from([0, 0, 1, 1]), new Uint8Array(4), new Uint8Array(4).fill(1)]);
    expect(s[0]).toBeCloseTo(0.7, 6);
    expect(s[1]).toBe(-Infinity);
    expect(s[2]).toBeCloseTo(0.45, 6);
    expect(() => generativeScores(c, [new Uint8Array(3)])).toThrow(/mask 0/);
  });
});

describe('weightFreeFailure', () => {
  it('a flat map: every M_k empty in value mode, every M_k the whole image in quantile mode — both fail as flat', () => {
    const flat = new Float32Array(12 * 7);
    const v = weightFreeProposals(flat, 12, 7);
    expect(Array.from(v.areas).every((a) => a === 0)).toBe(true);
    expect(Array.from(v.scores).every((x) => x === -Infinity)).toBe(true);
    expect(weightFreeFailure(flat, v)).toBe('flat');
    const q = weightFreeProposals(flat.fill(0.4), 12, 7, { mode: 'quantile' });
    expect(Array.from(q.areas).every((a) => a === 12 * 7)).toBe(true);
    expect(weightFreeFailure(flat, q)).toBe('flat');
  });

  it('a map below the lowest level is empty; any normalised map (max 1) has a proposal', () => {
    const low = new Float32Array(20).map((_, i) => i * 1e-3);
    expect(weightFreeFailure(low, weightFreeProposals(low, 5, 4))).toBe('empty');
    const ramp = new Float32Array(20).map((_, i) => i / 19);
    expect(weightFreeFailure(ramp, weightFreeProposals(ramp, 5, 4))).toBeNull();
    expect(weightFreeFailure(ramp, weightFreeProposals(ramp, 5, 4, { mode: 'quantile' }))).toBeNull();
  });
});
