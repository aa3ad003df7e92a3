import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors/pipeline.errors';
import { linearTaps, resizeBilinear } from './bilinear-resize';

/** Direct (non-separable) torch align_corners=False bilinear, float64, from the formula in torch's docs. */
function bruteBilinear(src: Float32Array, inH: number, inW: number, outH: number, outW: number): Float64Array {
  const out = new Float64Array(outH * outW);
  const coord = (d: number, inS: number, outS: number) => {
    const s = Math.max((d + 0.5) * (inS / outS) - 0.5, 0);
    const i0 = Math.min(Math.floor(s), inS - 1);
    const i1 = Math.min(i0 + 1, inS - 1);
    return [i0, i1, s - i0] as const;
  };
  for (let y = 0; y < outH; y++) {
    const [y0, y1, ly] = coord(y, inH, outH);
    for (let x = 0; x < outW; x++) {
      const [x0, x1, lx] = coord(x, inW, outW);
      out[y * outW + x] =
        (1 - ly) * ((1 - lx) * src[y0 * inW + x0] + lx * src[y0 * inW + x1]) +
        ly * ((1 - lx) * src[y1 * inW + x0] + lx * src[y1 * inW + x1]);
    }
  }
  return out;
}

describe('resizeBilinear (torch align_corners=False)', () => {
  it('upsamples 1×2 → 1×4 to the hand-computed 0, 25, 75, 100', () => {
    const out = resizeBilinear(Float32Array.from([0, 100]), 1, 1, 2, 1, 4);
    expect(Array.from(out)).toEqual([0, 25, 75, 100]);
  });

  it('downsamples 1×4 → 1×2 without antialias: pair means 5 and 25', () => {
    const out = resizeBilinear(Float32Array.from([0, 10, 20, 30]), 1, 1, 4, 1, 2);
    expect(Array.from(out)).toEqual([5, 25]);
  });

  it('matches the direct 2-D formula within 1e-4 relative on random maps and sizes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer(),
        (inH, inW, outH, outW, seed) => {
          let s = seed;
          const src = Float32Array.from({ length: inH * inW }, () => ((s = (s * 1103515245 + 12345) | 0) % 1000) / 10);
          const got = resizeBilinear(src, 1, inH, inW, outH, outW);
          const want = bruteBilinear(src, inH, inW, outH, outW);
          for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[i])));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps a constant map constant and handles channels independently', () => {
    const src = new Float32Array(2 * 3 * 3);
    src.fill(7, 0, 9);
    src.fill(-2, 9);
    const out = resizeBilinear(src, 2, 3, 3, 5, 4);
    expect(out.subarray(0, 20).every((v) => v === 7)).toBe(true);
    expect(out.subarray(20).every((v) => v === -2)).toBe(true);
  });

  it('rejects a length that does not match the layout, naming it', () => {
    expect(() => resizeBilinear(new Float32Array(5), 1, 2, 3, 4, 4)).toThrow(/length 5, expected 6/);
    expect(() => linearTaps(0, 3)).toThrow(PipelineError);
  });
});
