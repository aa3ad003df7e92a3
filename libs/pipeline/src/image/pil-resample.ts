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

/** Pillow's clip8: arithmetic shift of the accumulator, clamped to 0..255. */
function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
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
    const c = coefficients(inW, width);
    const tmp = new Uint8Array(width * inH * 3);
    for (let y = 0; y < inH; y++) {
      const rowIn = y * inW * 3;
      const rowOut = y * width * 3;
      for (let xx = 0; xx < width; xx++) {
        const xmin = c.first[xx];
        const n = c.count[xx];
        const kOff = xx * c.ksize;
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let x = 0; x < n; x++) {
          const w = c.weights[kOff + x];
          const p = rowIn + (xmin + x) * 3;
          s0 += src[p] * w;
          s1 += src[p + 1] * w;
          s2 += src[p + 2] * w;
        }
        const o = rowOut + xx * 3;
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
  const stride = srcW * 3;
  for (let yy = 0; yy < height; yy++) {
    const ymin = c.first[yy];
    const n = c.count[yy];
    const kOff = yy * c.ksize;
    const rowOut = yy * width * 3;
    for (let i = 0; i < width * 3; i++) {
      let s = HALF;
      for (let y = 0; y < n; y++) s += src[(ymin + y) * stride + i] * c.weights[kOff + y];
      out[rowOut + i] = clip8(s);
    }
  }
  return { width, height, data: out };
}
