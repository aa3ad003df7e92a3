import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIP_MEAN, CLIP_STD, SAM_MEAN, SAM_STD, toClipPixels, toSamPixels, toSdPixels } from './image-normalize';
import { normalizeTable } from './image-normalize';
import { resizePilBilinear, resizePilBilinearPlanar } from './pil-resample';
import type { RgbImage } from './rgb-image';
import { padPlanesBottomRight, prepareSamInput, samResizedSize } from './sam-input';

// The faster input preparation (integer row-wise PIL resampling, table-driven normalisation written straight into
// the padded square) against the straightforward implementations it replaced, kept here as references.

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

function coefficients(inSize: number, outSize: number) {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const a = Math.abs((x + xmin - center + 0.5) / filterscale);
      k[x] = a < 1 ? 1 - a : 0;
      ww += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[xx] = xmin;
    count[xx] = Math.max(0, xmax);
  }
  return { ksize, first, count, weights };
}

const clip8 = (acc: number) => {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/** The previous resizePilBilinear, verbatim in its arithmetic. */
function referenceResize(image: RgbImage, width: number, height: number): RgbImage {
  const inW = image.width;
  const inH = image.height;
  if (width === inW && height === inH) return { width, height, data: image.data.slice() };
  let src = image.data;
  let srcW = inW;
  if (width !== inW) {
    const c = coefficients(inW, width);
    const tmp = new Uint8Array(width * inH * 3);
    for (let y = 0; y < inH; y++) {
      for (let xx = 0; xx < width; xx++) {
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let x = 0; x < c.count[xx]; x++) {
          const w = c.weights[xx * c.ksize + x];
          const p = y * inW * 3 + (c.first[xx] + x) * 3;
          s0 += src[p] * w;
          s1 += src[p + 1] * w;
          s2 += src[p + 2] * w;
        }
        const o = y * width * 3 + xx * 3;
        tmp[o] = clip8(s0);
        tmp[o + 1] = clip8(s1);
        tmp[o + 2] = clip8(s2);
      }
    }
    src = tmp;
    srcW = width;
  }
  if (height === inH) return { width, height, data: src === image.data ? src.slice() : src };
  const c = coefficients(inH, height);
  const out = new Uint8Array(width * height * 3);
  for (let yy = 0; yy < height; yy++) {
    for (let i = 0; i < width * 3; i++) {
      let s = HALF;
      for (let y = 0; y < c.count[yy]; y++) s += src[(c.first[yy] + y) * srcW * 3 + i] * c.weights[yy * c.ksize + y];
      out[yy * width * 3 + i] = clip8(s);
    }
  }
  return { width, height, data: out };
}

function randomImage(w: number, h: number, seed: number): RgbImage {
  let s = seed >>> 0;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // mostly smooth with some saturated pixels: exercises both the clip and the rounding
    data[i] = s >>> 24 > 230 ? (s & 1 ? 255 : 0) : (i * 7 + (s >>> 28)) & 255;
  }
  return { width: w, height: h, data };
}

/** The straightforward normalisation: planes one after another, the formula per value, rounded to float32 once. */
function referencePlanar(image: RgbImage, scale: number, mean: readonly number[], std: readonly number[]): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c * n + i] = (image.data[i * 3 + c] * scale - mean[c]) * (1 / std[c]);
  return out;
}

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('fast input preparation equals the previous implementation', () => {
  it('resizePilBilinear: same bytes up and down, both axes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer(),
        (w, h, W, H, seed) => {
          const img = randomImage(w, h, seed);
          expect(Buffer.from(resizePilBilinear(img, W, H).data).equals(Buffer.from(referenceResize(img, W, H).data))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('resizePilBilinearPlanar: the resize through the table into a larger frame, any sizes up and down (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        fc.nat(3),
        fc.nat(3),
        fc.integer(),
        (w, h, W, H, padX, padY, seed) => {
          const img = randomImage(w, h, seed);
          const lut = normalizeTable(1, SAM_MEAN, SAM_STD);
          const got = new Float32Array(3 * (W + padX) * (H + padY)).fill(-7);
          resizePilBilinearPlanar(img, W, H, lut, got, W + padX, H + padY);
          const planes = toSamPixels(referenceResize(img, W, H));
          const expected = new Float32Array(got.length).fill(-7);
          for (let c = 0; c < 3; c++)
            for (let y = 0; y < H; y++) expected.set(planes.subarray((c * H + y) * W, (c * H + y + 1) * W), (c * (H + padY) + y) * (W + padX));
          expect(sameBytes(got, expected)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the COCO-size SAM input is the resize, the normalisation and the padding done one after another', async () => {
    const img = randomImage(640, 480, 7);
    const got = await prepareSamInput(img, { inputSize: 1024 });
    const size = samResizedSize(640, 480, 1024);
    const expected = padPlanesBottomRight(toSamPixels(referenceResize(img, size.width, size.height), SAM_MEAN, SAM_STD), size.width, size.height, 1024);
    expect(Buffer.from(got.pixels.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  });

  it('SAM input of any size: resize, normalisation and padding fused give the bytes of the three done in turn (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer(),
        async (w, h, inputSize, seed) => {
          const size = samResizedSize(w, h, inputSize);
          fc.pre(size.width > 0 && size.height > 0); // a long thin image at a tiny input size rounds to 0 rows
          const img = randomImage(w, h, seed);
          const got = await prepareSamInput(img, { inputSize });
          const expected = padPlanesBottomRight(toSamPixels(referenceResize(img, size.width, size.height)), size.width, size.height, inputSize);
          expect([got.resizedWidth, got.resizedHeight]).toEqual([size.width, size.height]);
          expect(sameBytes(got.pixels, expected)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('SD, CLIP and SAM normalisation equal the per-value formula (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer(), (w, h, seed) => {
        const img = randomImage(w, h, seed);
        expect(sameBytes(toSdPixels(img), referencePlanar(img, 1 / 127.5, [1, 1, 1], [1, 1, 1]))).toBe(true);
        expect(sameBytes(toClipPixels(img), referencePlanar(img, 1 / 255, CLIP_MEAN, CLIP_STD))).toBe(true);
        expect(sameBytes(toSamPixels(img), referencePlanar(img, 1, SAM_MEAN, SAM_STD))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('table-driven normalisation gives the formula float32 for every byte', () => {
    const img = { width: 256, height: 1, data: Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3)) };
    const sd = toSdPixels(img);
    for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) expect(sd[c * 256 + v]).toBe(Math.fround((v * (1 / 127.5) - 1) * (1 / 1)));
  });
});
