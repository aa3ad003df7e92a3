import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resizePilBilinear } from './pil-resample';
import { loadPilGoldens, pilGoldenImage } from './pil-goldens.testing';
import type { RgbImage } from './rgb-image';

const goldens = loadPilGoldens();

/**
 * Plain floating-point reference: the same antialiased triangle filter (support × downscale factor, pixel centres at
 * i + 0.5, weights normalised over the taps inside the image), separable, no fixed point and no intermediate rounding.
 */
function floatBilinear(image: RgbImage, width: number, height: number): Float64Array {
  const taps = (inSize: number, outSize: number, o: number): [number, number][] => {
    const scale = inSize / outSize;
    const fs = Math.max(1, scale);
    const center = (o + 0.5) * scale;
    const t: [number, number][] = [];
    let sum = 0;
    for (let i = 0; i < inSize; i++) {
      const w = Math.max(0, 1 - Math.abs((i + 0.5 - center) / fs));
      if (w > 0) {
        t.push([i, w]);
        sum += w;
      }
    }
    return t.map(([i, w]) => [i, w / sum]);
  };
  const tmp = new Float64Array(width * image.height * 3);
  for (let x = 0; x < width; x++) {
    const t = taps(image.width, width, x);
    for (let y = 0; y < image.height; y++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (const [i, w] of t) s += image.data[(y * image.width + i) * 3 + c] * w;
        tmp[(y * width + x) * 3 + c] = s;
      }
    }
  }
  const out = new Float64Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const t = taps(image.height, height, y);
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (const [i, w] of t) s += tmp[(i * width + x) * 3 + c] * w;
        out[(y * width + x) * 3 + c] = s;
      }
    }
  }
  return out;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('resizePilBilinear equals PIL Image.resize(BILINEAR)', () => {
  it.each(goldens.cases.map((g) => [`${g.in.join('×')} → ${g.out.join('×')}`, g] as const))('%s', (_, g) => {
    const out = resizePilBilinear(pilGoldenImage(g.in[0], g.in[1], g.seed), g.out[0], g.out[1]);
    expect([out.width, out.height]).toEqual(g.out);
    for (const [x, y, r, gr, b] of g.samples) {
      const o = (y * g.out[0] + x) * 3;
      expect([x, y, ...out.data.subarray(o, o + 3)]).toEqual([x, y, r, gr, b]);
    }
    if (g.pixels) expect(Buffer.from(out.data).toString('hex')).toBe(g.pixels);
    expect(sha256(out.data)).toBe(g.sha256);
  });

  it('the goldens were made by PIL and cover up- and downscales', () => {
    expect(goldens.generator).toMatch(/Pillow \d+\.\d+/);
    expect(goldens.cases.some((g) => g.out[0] > g.in[0])).toBe(true);
    expect(goldens.cases.some((g) => g.out[0] < g.in[0])).toBe(true);
  });
});

describe('resizePilBilinear properties', () => {
  const image = fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }))
    .chain(([w, h]) => fc.tuple(fc.constant(w), fc.constant(h), fc.uint8Array({ minLength: w * h * 3, maxLength: w * h * 3 })));
  const size = fc.integer({ min: 1, max: 90 });

  it('stays within one level of the floating-point triangle filter, and inside the input range', () => {
    fc.assert(
      fc.property(image, size, size, ([w, h, data], ow, oh) => {
        const img = { width: w, height: h, data };
        const out = resizePilBilinear(img, ow, oh);
        const ref = floatBilinear(img, ow, oh);
        let lo = 255;
        let hi = 0;
        for (const v of data) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        let worst = 0;
        let outLo = 255;
        let outHi = 0;
        for (let i = 0; i < out.data.length; i++) {
          worst = Math.max(worst, Math.abs(out.data[i] - ref[i]));
          outLo = Math.min(outLo, out.data[i]);
          outHi = Math.max(outHi, out.data[i]);
        }
        expect(worst).toBeLessThanOrEqual(1.01);
        expect(outLo).toBeGreaterThanOrEqual(lo);
        expect(outHi).toBeLessThanOrEqual(hi);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps a flat image flat, and returns a copy at the same size', () => {
    const img = { width: 9, height: 5, data: new Uint8Array(9 * 5 * 3).fill(137) };
    expect(resizePilBilinear(img, 31, 2).data.every((v) => v === 137)).toBe(true);
    const same = resizePilBilinear(img, 9, 5);
    expect(same.data).toEqual(img.data);
    expect(same.data).not.toBe(img.data);
  });

  it('rejects bad sizes and data of the wrong length', () => {
    const img = { width: 2, height: 2, data: new Uint8Array(12) };
    expect(() => resizePilBilinear(img, 0, 3)).toThrow();
    expect(() => resizePilBilinear({ ...img, data: new Uint8Array(5) }, 3, 3)).toThrow();
  });
});
