import { PipelineError } from '../errors/pipeline.errors';
import { linearTaps } from '../image/bilinear-resize';
import type { SquarePlacement } from '../image/square-pad';
import type { AttentionMap } from './attention-aggregate';

/**
 * The aggregated map → c ∈ [0,1], [H, W] of the original image: bilinear (torch, align_corners=False) to the padded
 * square's side, crop the padding, min-max again (ε 1e-8). The reference resizes an 8-bit copy with LANCZOS; we keep
 * float precision and use bilinear as the paper states — maps differ by a few 1/255 near steep edges.
 *
 * Only the square's pixels inside the image are interpolated (each output pixel is computed on its own, so skipping
 * the padding changes no value), straight into [H, W], already normalised: min and max come first from a few rows.
 * Output rows that read the same two source rows differ only in the weight w, and for a fixed column
 * fround(a + w·(b − a)) is monotone in w (every step rounds monotonically), so over such a group of rows the
 * extremes lie on its rows of smallest and largest w — 2 rows per pair of source rows instead of all H. Then one
 * pass writes (v − min)·inv. The same float32 roundings as resizeBilinear → cropSquareMap → minMaxNormalize, so the
 * same bits (attention-aggregate.spec.ts checks it against that composition and against attentionToImageTwoPass,
 * which a non-finite value still takes, for its error). `out` ([H, W], optional): written in full and returned
 * instead of a new array (not on the non-finite path).
 */
export function attentionToImage(map: AttentionMap, placement: SquarePlacement, epsilon = 1e-8, out?: Float32Array): Float32Array {
  return attentionToImageImpl(map, placement, epsilon, out, null);
}

/**
 * attentionToImage, and the sum of its values in row-major order (the float64 sum `for i: total += c[i]` gives:
 * generativeScoresFromRuns' `total`), taken while the values are written — no second pass over c per expression.
 */
export function attentionToImageWithTotal(
  map: AttentionMap,
  placement: SquarePlacement,
  epsilon = 1e-8,
  out?: Float32Array,
): { c: Float32Array; total: number } {
  const sum = { total: 0 };
  const c = attentionToImageImpl(map, placement, epsilon, out, sum);
  return { c, total: sum.total };
}

/** Σ c[i] in index order, in float64. */
function rowMajorSum(c: Float32Array): number {
  let total = 0;
  for (let i = 0; i < c.length; i++) total += c[i];
  return total;
}

/** The map is side² values and the placement lies inside the square it is resized to. */
function checkShapes(map: AttentionMap, { side, offsetX: ox, offsetY: oy, width: W, height: H }: SquarePlacement): void {
  if (map.data.length !== map.side * map.side) {
    throw new PipelineError('INVALID_SHAPE', `attention map length ${map.data.length} ≠ side² (${map.side}²)`);
  }
  if (ox + W > side || oy + H > side) {
    throw new PipelineError('INVALID_SHAPE', `placement ${W}×${H}+${ox}+${oy} exceeds side ${side}`);
  }
}

function attentionToImageImpl(
  map: AttentionMap,
  placement: SquarePlacement,
  epsilon: number,
  out: Float32Array | undefined,
  sum: { total: number } | null,
): Float32Array {
  checkShapes(map, placement);
  const n = map.side;
  const { side, offsetX: ox, offsetY: oy, width: W, height: H } = placement;
  const src = map.data;
  for (let i = 0; i < src.length; i++) if (src[i] - src[i] !== 0) return twoPassWithSum(map, placement, epsilon, sum);
  const tx = linearTaps(n, side);
  const ty = linearTaps(n, side);
  const rows = horizontalRows(src, n, tx, ox, W);
  // per pair of source rows (i0, i1), the output rows of smallest and largest weight
  const lo = new Int32Array(n * n).fill(-1);
  const hi = new Int32Array(n * n).fill(-1);
  for (let y = 0; y < H; y++) {
    const k = ty.i0[y + oy] * n + ty.i1[y + oy];
    const w = ty.w1[y + oy];
    if (lo[k] < 0 || w < ty.w1[lo[k] + oy]) lo[k] = y;
    if (hi[k] < 0 || w > ty.w1[hi[k] + oy]) hi[k] = y;
  }
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < n * n; k++) {
    if (lo[k] < 0) continue;
    for (const y of lo[k] === hi[k] ? [lo[k]] : [lo[k], hi[k]]) {
      const w = ty.w1[y + oy];
      const r0 = ty.i0[y + oy] * W;
      const r1 = ty.i1[y + oy] * W;
      for (let x = 0; x < W; x++) {
        const a = rows[r0 + x];
        const v = Math.fround(a + w * (rows[r1 + x] - a));
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  // finite source rows can still overflow float32 in the interpolation: the two-pass path reports it
  if (!(Number.isFinite(min) && Number.isFinite(max))) return twoPassWithSum(map, placement, epsilon, sum);
  const inv = 1 / (max - min + epsilon);
  if (out && out.length !== W * H) throw new PipelineError('INVALID_SHAPE', `out holds ${out.length} values; the map needs ${W}×${H}`);
  // every value of `out` is written below
  const c = out ?? new Float32Array(W * H);
  if (sum) {
    let total = 0;
    for (let y = 0; y < H; y++) {
      const w = ty.w1[y + oy];
      const r0 = ty.i0[y + oy] * W;
      const r1 = ty.i1[y + oy] * W;
      const o = y * W;
      for (let x = 0; x < W; x++) {
        const a = rows[r0 + x];
        const v = Math.fround((Math.fround(a + w * (rows[r1 + x] - a)) - min) * inv);
        c[o + x] = v;
        total += v;
      }
    }
    sum.total = total;
    return c;
  }
  for (let y = 0; y < H; y++) {
    const w = ty.w1[y + oy];
    const r0 = ty.i0[y + oy] * W;
    const r1 = ty.i1[y + oy] * W;
    const o = y * W;
    for (let x = 0; x < W; x++) {
      const a = rows[r0 + x];
      c[o + x] = (Math.fround(a + w * (rows[r1 + x] - a)) - min) * inv;
    }
  }
  return c;
}

function twoPassWithSum(map: AttentionMap, placement: SquarePlacement, epsilon: number, sum: { total: number } | null): Float32Array {
  const c = attentionToImageTwoPass(map, placement, epsilon);
  if (sum) sum.total = rowMajorSum(c);
  return c;
}

/** Horizontal pass over every source row, only for the image's columns: [n, W]. */
function horizontalRows(src: Float32Array, n: number, tx: ReturnType<typeof linearTaps>, ox: number, W: number): Float32Array {
  const rows = new Float32Array(n * W);
  for (let y = 0; y < n; y++) {
    const s = y * n;
    const r = y * W;
    for (let x = 0; x < W; x++) {
      const w = tx.w1[x + ox];
      const a = src[s + tx.i0[x + ox]];
      rows[r + x] = a + w * (src[s + tx.i1[x + ox]] - a);
    }
  }
  return rows;
}

/**
 * The previous implementation (interpolate every pixel tracking min and max, then normalise): the reference for
 * attentionToImage's tests, and its path for maps holding a non-finite value (same error, same pixel).
 */
export function attentionToImageTwoPass(map: AttentionMap, placement: SquarePlacement, epsilon = 1e-8): Float32Array {
  checkShapes(map, placement);
  const n = map.side;
  const { side, offsetX: ox, offsetY: oy, width: W, height: H } = placement;
  const src = map.data;
  const tx = linearTaps(n, side);
  const ty = linearTaps(n, side);
  // horizontal pass over every source row, only for the image's columns: [n, W]
  const rows = new Float32Array(n * W);
  for (let y = 0; y < n; y++) {
    const s = y * n;
    const r = y * W;
    for (let x = 0; x < W; x++) {
      const w = tx.w1[x + ox];
      const a = src[s + tx.i0[x + ox]];
      rows[r + x] = a + w * (src[s + tx.i1[x + ox]] - a);
    }
  }
  // vertical pass for the image's rows, tracking the range of the float32 values written
  const c = new Float32Array(W * H);
  let min = Infinity;
  let max = -Infinity;
  for (let y = 0; y < H; y++) {
    const w = ty.w1[y + oy];
    const r0 = ty.i0[y + oy] * W;
    const r1 = ty.i1[y + oy] * W;
    const o = y * W;
    for (let x = 0; x < W; x++) {
      const a = rows[r0 + x];
      const v = Math.fround(a + w * (rows[r1 + x] - a));
      c[o + x] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  // a finite source gives finite values (convex combinations); otherwise report the first non-finite output pixel
  let finite = true;
  for (let i = 0; i < src.length; i++) if (src[i] - src[i] !== 0) finite = false;
  if (!finite) {
    let i = 0;
    while (i < c.length && Number.isFinite(c[i])) i++;
    if (i < c.length) throw new PipelineError('INVALID_VALUE', `map[${i}] is ${c[i]}; every value must be finite`);
  }
  const inv = 1 / (max - min + epsilon);
  for (let i = 0; i < c.length; i++) c[i] = (c[i] - min) * inv;
  return c;
}
