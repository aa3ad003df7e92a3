import { assertImageSize, PipelineError } from '../errors/pipeline.errors';
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

/** @internal */
export interface Coefficients {
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
 * 22-bit fixed point. Then taps of weight 0 at either end are dropped (Pillow multiplies them in; adding 0 leaves the
 * integer sums unchanged): upscaling keeps 2 taps of 3.
 * @internal
 */
export function coefficients(inSize: number, outSize: number): Coefficients {
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
    const kOff = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[kOff + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    let lo = 0;
    let hi = Math.max(0, xmax);
    while (hi > 0 && weights[kOff + hi - 1] === 0) hi--;
    while (lo < hi && weights[kOff + lo] === 0) lo++;
    if (lo > 0) weights.copyWithin(kOff, kOff + lo, kOff + hi);
    weights.fill(0, kOff + hi - lo, kOff + ksize);
    first[xx] = xmin + lo;
    count[xx] = hi - lo;
  }
  return { ksize, first, count, weights };
}

/**
 * One row of the horizontal pass: input row at `rowIn` of `data` → outW pixels at `o` of `dst`, each sum shifted and
 * clipped to 8 bits (Pillow's clip8; triangle weights are ≥ 0 and sum to about 2^22, so the accumulator stays in
 * [0, 2^31) and `>>` is exact; the clamped array does the clip).
 */
function horizontalRow(data: Uint8Array, rowIn: number, outW: number, c: Coefficients, dst: Uint8ClampedArray, o: number): void {
  const { ksize, first, count, weights } = c;
  for (let xx = 0; xx < outW; xx++) {
    const n = count[xx];
    let k = xx * ksize;
    let p = rowIn + first[xx] * 3;
    if (n === 2) {
      // upscaling: all but the edge samples blend two pixels
      const w0 = weights[k];
      const w1 = weights[k + 1];
      dst[o++] = (HALF + Math.imul(data[p], w0) + Math.imul(data[p + 3], w1)) >> PRECISION_BITS;
      dst[o++] = (HALF + Math.imul(data[p + 1], w0) + Math.imul(data[p + 4], w1)) >> PRECISION_BITS;
      dst[o++] = (HALF + Math.imul(data[p + 2], w0) + Math.imul(data[p + 5], w1)) >> PRECISION_BITS;
      continue;
    }
    let s0 = HALF;
    let s1 = HALF;
    let s2 = HALF;
    for (let x = 0; x < n; x++, p += 3, k++) {
      const w = weights[k];
      s0 += Math.imul(data[p], w);
      s1 += Math.imul(data[p + 1], w);
      s2 += Math.imul(data[p + 2], w);
    }
    dst[o++] = s0 >> PRECISION_BITS;
    dst[o++] = s1 >> PRECISION_BITS;
    dst[o++] = s2 >> PRECISION_BITS;
  }
}

/** Horizontal pass: [inH, inW, 3] → [inH, outW, 3] (horizontalRow for every row). */
function horizontalPass(data: Uint8Array, inW: number, inH: number, outW: number): Uint8Array {
  const c = coefficients(inW, outW);
  const tmp = new Uint8ClampedArray(outW * inH * 3);
  for (let y = 0; y < inH; y++) horizontalRow(data, y * inW * 3, outW, c, tmp, y * outW * 3);
  return new Uint8Array(tmp.buffer);
}

/**
 * One output row of the vertical pass: rows first..first+n−1 of `src` (`stride` bytes each) weighted by
 * weights[k..k+n−1], shifted, clipped to 8 bits into `dst` at `offset`. Row by row over the taps: contiguous reads,
 * the same integer sums per pixel.
 */
function verticalRow(
  src: Uint8Array,
  stride: number,
  first: number,
  n: number,
  weights: Int32Array,
  k: number,
  dst: Uint8ClampedArray,
  offset: number,
): void {
  const r0 = first * stride;
  if (n === 2) {
    const w0 = weights[k];
    const w1 = weights[k + 1];
    const r1 = r0 + stride;
    for (let i = 0; i < stride; i++) dst[offset + i] = (HALF + Math.imul(src[r0 + i], w0) + Math.imul(src[r1 + i], w1)) >> PRECISION_BITS;
    return;
  }
  const acc = new Int32Array(stride).fill(HALF);
  for (let y = 0, r = r0; y < n; y++, r += stride) {
    const w = weights[k + y];
    for (let i = 0; i < stride; i++) acc[i] += Math.imul(src[r + i], w);
  }
  for (let i = 0; i < stride; i++) dst[offset + i] = acc[i] >> PRECISION_BITS;
}

/**
 * PIL `Image.resize((width, height), Image.BILINEAR)` on an RGB image, bit-exact: horizontal pass into an 8-bit
 * intermediate (rounded and clipped), then vertical pass. Used for SAM's ResizeLongestSide, which resizes a PIL image
 * with torchvision's default (bilinear). Same size → a copy, as PIL returns.
 */
export function resizePilBilinear(image: RgbImage, width: number, height: number): RgbImage {
  assertRgbImage('image', image);
  assertImageSize(width, height);
  const stride = width * 3;
  const src = width === image.width ? image.data : horizontalPass(image.data, image.width, image.height, width);
  if (height === image.height) return { width, height, data: src === image.data ? src.slice() : src };
  const { ksize, first, count, weights } = coefficients(image.height, height);
  const out = new Uint8ClampedArray(height * stride);
  for (let y = 0; y < height; y++) verticalRow(src, stride, first[y], count[y], weights, y * ksize, out, y * stride);
  return { width, height, data: new Uint8Array(out.buffer) };
}

/**
 * `resizePilBilinear(image, width, height)` mapped through `lut` into planes: byte v of channel c of pixel (x, y)
 * becomes lut[c·256 + v] at out[c·outW·outH + y·outW + x] (outW ≥ width, outH ≥ height; the rest of `out` is left as
 * it is). The same bytes as the resize, never materialised: for SAM's input, normalised straight into its padded
 * square (the LUT from normalizeTable).
 * @internal
 */
export function resizePilBilinearPlanar(
  image: RgbImage,
  width: number,
  height: number,
  lut: Float32Array,
  out: Float32Array,
  outW: number,
  outH: number,
): void {
  assertRgbImage('image', image);
  assertImageSize(width, height);
  if (lut.length !== 768) throw new PipelineError('INVALID_SHAPE', `lut must hold 3 × 256 values, got ${lut.length}`);
  if (width > outW || height > outH || out.length < 3 * outW * outH) {
    throw new PipelineError('INVALID_SHAPE', `a ${width}×${height} resize does not fit [3, ${outH}, ${outW}] (${out.length} values)`);
  }
  const inW = image.width;
  const inH = image.height;
  const data = image.data;
  const stride = width * 3;
  const plane = outW * outH;
  const hc = width === inW ? null : coefficients(inW, width);
  const vc = height === inH ? null : coefficients(inH, height);
  // The horizontal pass runs row by row as the vertical taps reach its rows, into a ring of as many rows as one
  // output row reads (a few KB that stay in cache, instead of a [inH, width, 3] intermediate written and read back);
  // ringRow records which input row each slot holds, so a row is computed once however the tap windows move.
  let ringSize = 1;
  if (vc) for (let yy = 0; yy < height; yy++) ringSize = Math.max(ringSize, vc.count[yy]);
  const ring = hc ? new Uint8ClampedArray(ringSize * stride) : null;
  const ringRow = new Int32Array(ringSize).fill(-1);
  const src = ring ? new Uint8Array(ring.buffer) : data;
  if (!vc) {
    for (let y = 0; y < height; y++) {
      let s = y * stride;
      if (ring && hc) {
        horizontalRow(data, y * inW * 3, width, hc, ring, 0);
        s = 0;
      }
      const o0 = y * outW;
      const o1 = o0 + plane;
      const o2 = o1 + plane;
      for (let x = 0; x < width; x++, s += 3) {
        out[o0 + x] = lut[src[s]];
        out[o1 + x] = lut[256 + src[s + 1]];
        out[o2 + x] = lut[512 + src[s + 2]];
      }
    }
    return;
  }
  const { ksize, first, count, weights } = vc;
  const acc = new Int32Array(stride);
  const taps = new Int32Array(ksize);
  for (let yy = 0; yy < height; yy++) {
    const o0 = yy * outW;
    const o1 = o0 + plane;
    const o2 = o1 + plane;
    const k = yy * ksize;
    const n = count[yy];
    // byte offsets in `src` of this output row's n input rows
    for (let t = 0; t < n; t++) {
      const r = first[yy] + t;
      if (ring && hc) {
        const slot = r % ringSize;
        if (ringRow[slot] !== r) {
          horizontalRow(data, r * inW * 3, width, hc, ring, slot * stride);
          ringRow[slot] = r;
        }
        taps[t] = slot * stride;
      } else {
        taps[t] = r * stride;
      }
    }
    if (n === 2) {
      // upscaling: every row but the edges blends two input rows; clip8 by hand (no negative sums: weights ≥ 0)
      const w0 = weights[k];
      const w1 = weights[k + 1];
      const r0 = taps[0];
      const r1 = taps[1];
      for (let x = 0, i = 0; x < width; x++, i += 3) {
        let v = (HALF + Math.imul(src[r0 + i], w0) + Math.imul(src[r1 + i], w1)) >> PRECISION_BITS;
        out[o0 + x] = lut[v > 255 ? 255 : v];
        v = (HALF + Math.imul(src[r0 + i + 1], w0) + Math.imul(src[r1 + i + 1], w1)) >> PRECISION_BITS;
        out[o1 + x] = lut[256 + (v > 255 ? 255 : v)];
        v = (HALF + Math.imul(src[r0 + i + 2], w0) + Math.imul(src[r1 + i + 2], w1)) >> PRECISION_BITS;
        out[o2 + x] = lut[512 + (v > 255 ? 255 : v)];
      }
      continue;
    }
    // any other tap count: the same integer sums row by row over the taps, then clip8 (sums may be < 0 or > 255·2^22
    // only through rounding, which the clip handles as Pillow's does)
    acc.fill(HALF);
    for (let t = 0; t < n; t++) {
      const w = weights[k + t];
      const r = taps[t];
      for (let i = 0; i < stride; i++) acc[i] += Math.imul(src[r + i], w);
    }
    for (let x = 0, i = 0; x < width; x++, i += 3) {
      out[o0 + x] = lut[clip8(acc[i] >> PRECISION_BITS)];
      out[o1 + x] = lut[256 + clip8(acc[i + 1] >> PRECISION_BITS)];
      out[o2 + x] = lut[512 + clip8(acc[i + 2] >> PRECISION_BITS)];
    }
  }
}

/** Pillow's clip8 of a shifted sum. */
function clip8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
