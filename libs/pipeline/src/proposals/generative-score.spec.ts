import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generativeScores, generativeScoresFromRuns, maskRuns } from './generative-score';

// The runs path must give bit-identical scores to the full-pass path (the same sums in the same order).
describe('generativeScoresFromRuns', () => {
  it('equals generativeScores on random maps and masks, empty and full masks included (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 900, maxLength: 900 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 6 }),
        fc.integer(),
        (w, h, values, kinds, seed) => {
          const n = w * h;
          const c = Float32Array.from(values.slice(0, n));
          let s = seed >>> 0;
          const masks = kinds.map((kind) => {
            const m = new Uint8Array(n);
            for (let i = 0; i < n; i++) {
              s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
              m[i] = kind === 0 ? 0 : kind === 1 ? 1 : kind === 2 ? (s >>> 31) : (s >>> 28) < 4 ? 1 : 0;
            }
            return m;
          });
          const runs = masks.map((m) => maskRuns(m));
          expect(generativeScoresFromRuns(c, runs)).toEqual(generativeScores(c, masks));
          // with the total handed in (the engine's path: attentionToImageWithTotal's row-major sum)
          let total = 0;
          for (let i = 0; i < n; i++) total += c[i];
          expect(generativeScoresFromRuns(c, runs, total)).toEqual(generativeScores(c, masks));
          runs.forEach((r, k) => {
            let area = 0;
            for (let j = 0; j < r.length; j += 2) area += r[j + 1] - r[j];
            expect(area).toBe(masks[k].reduce((a, v) => a + v, 0));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('maskRuns: row-major runs of 1s as [start, end) pairs', () => {
    expect(Array.from(maskRuns(Uint8Array.from([0, 1, 1, 0, 1, 0, 0, 1])))).toEqual([1, 3, 4, 5, 7, 8]);
    expect(Array.from(maskRuns(new Uint8Array(4)))).toEqual([]);
  });
});
