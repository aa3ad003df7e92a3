import { assertImageSize } from '../errors/pipeline.errors';
import { assertRgbImage, type RgbImage } from './rgb-image';

// Our own port of Pillow's 8-bit two-pass resampler (python-pillow/Pillow src/libImaging/Resample.c,
// precompute_coeffs / normalize_coeffs_8bpc / ImagingResampleInner), for the bilinear (triangle) filter.

/** Pillow's fixed point: 32 − 8 − 2 bits of fraction for 8-bit images. */
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** Pillow's `bilinear_filter`: the triangle 1 − |x| on (−1, 1), support 1. */
function triangle(x: number): number {
  const a = x < 0 ? -x : x;
  return a < 1 ? 1 - a : 0;
}
const TRIANGLE_SUPPORT = 1;

interface Coefficients {
  /** ksize fixed-point taps per output sample */
  readonly ksize: number;
  /** first input index per output sample */
  readonly first: Int32Array;
  /** number of taps per output sample */
  readonly count: Int32Array;
  /** [outSize, ksize] fixed-point weights (Pillow's INT32 kk) */
  readonly weights: Int32Array;
}

/**
 * One axis' taps, exactly as Pillow's precompute_coeffs + normalize_coeffs_8bpc with box [0, inSize): the filter is
 * stretched by the downscale factor (antialiasing), taps are normalised in float64 and rounded half away from zero to
 * 22-bit fixed point.
 */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = TRIANGLE_SUPPORT * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const invFilterscale = 1 / filterscale;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) truncates toward zero
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = triangle((x + xmin - center + 0.5) * invFilterscale);
      k[x] = w;
      ww += w;
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

/**
 * Pillow's clip8: arithmetic shift of the accumulator, clamped to 0..255. Triangle weights are ≥ 0 and sum to
 * about 2^22, so the accumulator stays in [0, 2^31) and `>>` is exact.
 */
function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * PIL `Image.resize((width, height), Image.BILINEAR)` on an RGB image, bit-exact: horizontal pass into an 8-bit
 * intermediate (rounded and clipped), then vertical pass. Used for SAM's ResizeLongestSide, which resizes a PIL image
 * with torchvision's default (bilinear). Same size → a copy, as PIL returns.
 */
export function resizePilBilinear(image: RgbImage, width: number, height: number): RgbImage {
  assertRgbImage('image', image);
  assertImageSize(width, height);
  const inW = image.width;
  const inH = image.height;
  if (width === inW && height === inH) return { width, height, data: image.data.slice() };
  let src = image.data;
  let srcW = inW;
  if (width !== inW) {
    // Pillow only resamples the rows the vertical pass reads; every row here gives the same result.
    const { ksize, first, count, weights } = coefficients(inW, width);
    const tmp = new Uint8Array(width * inH * 3);
    const data = src;
    for (let y = 0; y < inH; y++) {
      const rowIn = y * inW * 3;
      let o = y * width * 3;
      for (let xx = 0; xx < width; xx++) {
        const n = count[xx];
        const kOff = xx * ksize;
        let p = rowIn + first[xx] * 3;
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let x = 0; x < n; x++, p += 3) {
          const w = weights[kOff + x];
          s0 += data[p] * w;
          s1 += data[p + 1] * w;
          s2 += data[p + 2] * w;
        }
        tmp[o++] = clip8(s0);
        tmp[o++] = clip8(s1);
        tmp[o++] = clip8(s2);
      }
    }
    src = tmp;
    srcW = width;
  }
  if (height === inH) return { width, height, data: src === image.data ? src.slice() : src };
  const { ksize, first, count, weights } = coefficients(inH, height);
  const out = new Uint8Array(width * height * 3);
  const stride = srcW * 3;
  const acc = new Float64Array(stride);
  for (let yy = 0; yy < height; yy++) {
    const n = count[yy];
    const kOff = yy * ksize;
    acc.fill(HALF);
    // row by row over the taps: contiguous reads, the same integer sums in the same order per pixel
    for (let y = 0; y < n; y++) {
      const w = weights[kOff + y];
      const row = (first[yy] + y) * stride;
      for (let i = 0; i < stride; i++) acc[i] += src[row + i] * w;
    }
    const rowOut = yy * stride;
    for (let i = 0; i < stride; i++) out[rowOut + i] = clip8(acc[i]);
  }
  return { width, height, data: out };
}
