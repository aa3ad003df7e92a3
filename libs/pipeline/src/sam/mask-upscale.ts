import { assertFinite, assertLength, PipelineError } from '../errors/pipeline.errors';
import { linearTaps } from '../image/bilinear-resize';
import type { SamGeometry } from './sam-geometry';

/**
 * One axis of SAM's low-res → image upscaling (segment-anything `postprocess_masks`: bilinear S → L, crop to the
 * resized extent, bilinear to the original size; align_corners=False) composed into one set of ≤ K taps per output
 * index on the low-res axis: out[o] = Σ_k w[o·K + k] · low[start[o] + k]. All weights ≥ 0 and sum to 1, so an
 * output lies within [min, max] of its taps — which lets whole blocks be classified without interpolating them.
 */
export interface ComposedAxis {
  readonly outSize: number;
  readonly k: number;
  readonly start: Int32Array;
  readonly weights: Float64Array;
  /** output index ranges sharing one `start`: [groupStart[g], groupStart[g+1]) */
  readonly groupStart: Int32Array;
}

export function composeAxis(lowRes: number, inputSize: number, resized: number, outSize: number): ComposedAxis {
  const t1 = linearTaps(lowRes, inputSize);
  const t2 = linearTaps(resized, outSize);
  const idx = new Int32Array(4);
  const wt = new Float64Array(4);
  const lists: { start: number; w: number[] }[] = [];
  let k = 1;
  for (let o = 0; o < outSize; o++) {
    const a = t2.i0[o];
    const b = t2.i1[o];
    const wb = t2.w1[o];
    const wa = 1 - wb;
    idx[0] = t1.i0[a];
    wt[0] = wa * (1 - t1.w1[a]);
    idx[1] = t1.i1[a];
    wt[1] = wa * t1.w1[a];
    idx[2] = t1.i0[b];
    wt[2] = wb * (1 - t1.w1[b]);
    idx[3] = t1.i1[b];
    wt[3] = wb * t1.w1[b];
    // span only the taps that carry weight: zero-weight taps would widen every window for nothing
    let start = Infinity;
    let end = -Infinity;
    for (let j = 0; j < 4; j++) {
      if (wt[j] > 0) {
        start = Math.min(start, idx[j]);
        end = Math.max(end, idx[j]);
      }
    }
    const w = new Array<number>(end - start + 1).fill(0);
    for (let j = 0; j < 4; j++) if (wt[j] > 0) w[idx[j] - start] += wt[j];
    lists.push({ start, w });
    if (w.length > k) k = w.length;
  }
  const start = new Int32Array(outSize);
  const weights = new Float64Array(outSize * k);
  const groups: number[] = [];
  for (let o = 0; o < outSize; o++) {
    // windows are clipped to the low-res axis; shift the start down at the far edge so start + k ≤ lowRes
    let s = lists[o].start;
    const shift = Math.max(0, s + k - lowRes);
    s -= shift;
    start[o] = s;
    const w = lists[o].w;
    for (let j = 0; j < w.length; j++) weights[o * k + j + shift] = w[j];
    if (o === 0 || start[o] !== start[o - 1]) groups.push(o);
  }
  groups.push(outSize);
  return { outSize, k, start, weights, groupStart: Int32Array.from(groups) };
}

export interface UpscaleStats {
  /** #(logit > threshold + offset) */
  readonly countHigh: number;
  /** #(logit > threshold − offset) */
  readonly countLow: number;
  /** #(logit > threshold) = mask area */
  readonly area: number;
  /** tight box [x0, y0, x1, y1] inclusive of the binarised mask, [0, 0, 0, 0] when empty (as SAM) */
  readonly box: [number, number, number, number];
  /**
   * Low-res cells that can matter for any threshold ≥ threshold − offset: [row0, row1, col0, col1] inclusive (the
   * cells above it, widened by the tap span), or null. Cells outside can be replaced by anything lower.
   */
  readonly support: [number, number, number, number] | null;
}

// margin for classifying a block from its taps' range; exact evaluation decides anything closer
const EPS = 1e-6;

/**
 * Upscales one S×S low-res logit map to the image lazily: blocks of output pixels that share taps are decided from
 * the taps' min/max, only blocks near a threshold are interpolated. Reused across candidates of one image.
 */
export class SamMaskUpscaler {
  readonly x: ComposedAxis;
  readonly y: ComposedAxis;
  /** scratch: one interpolated block, and its horizontal tap-row combinations */
  private readonly block: Float64Array;
  private readonly rowsScratch: Float64Array;
  /** scratch: 2-D prefix counts over the low-res grid, and the traversal stack */
  private readonly prefixIn: Int32Array;
  private readonly prefixActive: Int32Array;
  private readonly stack: Int32Array;
  private readonly interiors: Int32Array;
  private readonly leaves: Int32Array;
  private interiorCount = 0;
  private lastActive: [number, number, number, number] | null = null;
  private leafCount = 0;

  constructor(readonly geometry: SamGeometry) {
    const g = geometry;
    this.x = composeAxis(g.lowResSize, g.inputSize, g.resizedWidth, g.width);
    this.y = composeAxis(g.lowResSize, g.inputSize, g.resizedHeight, g.height);
    const maxGroup = (axis: ComposedAxis) => {
      let m = 1;
      for (let i = 0; i + 1 < axis.groupStart.length; i++) m = Math.max(m, axis.groupStart[i + 1] - axis.groupStart[i]);
      return m;
    };
    const bw = maxGroup(this.x);
    this.block = new Float64Array(maxGroup(this.y) * bw);
    this.rowsScratch = new Float64Array(this.y.k * bw);
    const s = g.lowResSize;
    this.prefixIn = new Int32Array((s + 1) * (s + 1));
    this.prefixActive = new Int32Array((s + 1) * (s + 1));
    const groups = (this.x.groupStart.length - 1) * (this.y.groupStart.length - 1);
    this.interiors = new Int32Array(4 * groups);
    this.leaves = new Int32Array(2 * groups);
    // depth-first splitting in halves keeps at most ~2·log2(groups) + 2 pending rectangles
    this.stack = new Int32Array(4 * 4 * (Math.ceil(Math.log2(this.x.groupStart.length * this.y.groupStart.length + 2)) + 4));
  }

  private checkInput(low: Float32Array): void {
    const s = this.geometry.lowResSize;
    assertLength('low-res logits', low.length, s * s, `[${s}, ${s}]`);
  }

  /**
   * Bounding box [r0, r1] × [c0, c1] of the low-res cells with a value > `floor`, or null. Output blocks whose taps
   * all lie outside it are entirely ≤ floor and need no work.
   */
  private activeBox(low: Float32Array, floor: number): [number, number, number, number] | null {
    const s = this.geometry.lowResSize;
    let r0 = -1;
    let r1 = -1;
    let c0 = s;
    let c1 = -1;
    for (let r = 0; r < s; r++) {
      const o = r * s;
      // tight max first: most rows of a mask's logits are background; the sum catches NaN/±Infinity on the way
      let m = low[o];
      let sum = 0;
      for (let c = 0; c < s; c++) {
        const v = low[o + c];
        m = v > m ? v : m;
        sum += v;
      }
      if (sum - sum !== 0) {
        let c = 0;
        while (Number.isFinite(low[o + c])) c++;
        throw new PipelineError('INVALID_VALUE', `low-res logits: value at row ${r}, col ${c} is ${low[o + c]}`);
      }
      if (!(m > floor)) continue;
      let first = -1;
      for (let c = 0; c < s; c++) {
        if (low[o + c] > floor) {
          first = c;
          break;
        }
      }
      if (first < 0) continue;
      if (r0 < 0) r0 = r;
      r1 = r;
      if (first < c0) c0 = first;
      for (let c = s - 1; c > c1; c--) {
        if (low[o + c] > floor) {
          c1 = c;
          break;
        }
      }
    }
    return r0 < 0 ? null : [r0, r1, c0, c1];
  }

  /**
   * Groups of an axis whose tap window [start, start + k − 1] meets [a, b]: group indices [g0, g1).
   */
  private static groupRange(axis: ComposedAxis, a: number, b: number): [number, number] {
    const gs = axis.groupStart;
    let g0 = 0;
    while (g0 + 1 < gs.length && axis.start[gs[g0]] + axis.k - 1 < a) g0++;
    let g1 = g0;
    while (g1 + 1 < gs.length && axis.start[gs[g1]] <= b) g1++;
    return [g0, g1];
  }

  /** Prepares window ranges for the active region; null when no output pixel can exceed `floor`. */
  private prepare(low: Float32Array, floor: number): [number, number, number, number] | null {
    const box = this.activeBox(low, floor);
    this.lastActive = box;
    if (!box) return null;
    const [ya, yb] = SamMaskUpscaler.groupRange(this.y, box[0], box[1]);
    const [xa, xb] = SamMaskUpscaler.groupRange(this.x, box[2], box[3]);
    if (ya === yb || xa === xb) return null;
    return [ya, yb, xa, xb];
  }

  /**
   * Visits the output in rectangles of tap-window groups, quadtree-style: a rectangle whose low-res tap cells are all
   * ≤ `lower` is skipped, one whose cells are all > `upper` is listed in `interiors` (pixel ranges ya, yb, xa, xb),
   * and single groups that are neither are listed in `leaves` (group indices a, b). Cell counts come from 2-D prefix sums over the active region, so a
   * decided rectangle costs O(1) whatever its size: the work follows the mask's boundary, not its area.
   */
  private traverse(low: Float32Array, upper: number, lower: number): void {
    this.interiorCount = 0;
    this.leafCount = 0;
    const range = this.prepare(low, lower);
    if (!range) return;
    const interiors = this.interiors;
    const leaves = this.leaves;
    const s = this.geometry.lowResSize;
    const gy = this.y.groupStart;
    const gx = this.x.groupStart;
    const ys = this.y.start;
    const xs = this.x.start;
    const ky = this.y.k;
    const kx = this.x.k;
    const r0 = ys[gy[range[0]]];
    const r1 = ys[gy[range[1] - 1]] + ky - 1;
    const c0 = xs[gx[range[2]]];
    const c1 = xs[gx[range[3] - 1]] + kx - 1;
    const pw = c1 - c0 + 2;
    const pin = this.prefixIn;
    const pact = this.prefixActive;
    for (let c = 0; c < pw; c++) {
      pin[c] = 0;
      pact[c] = 0;
    }
    for (let r = r0; r <= r1; r++) {
      const o = (r - r0 + 1) * pw;
      const q = o - pw;
      pin[o] = 0;
      pact[o] = 0;
      let rowIn = 0;
      let rowAct = 0;
      const src = r * s;
      for (let c = c0; c <= c1; c++) {
        const v = low[src + c];
        if (v > upper) rowIn++;
        if (v > lower) rowAct++;
        const k = c - c0 + 1;
        pin[o + k] = pin[q + k] + rowIn;
        pact[o + k] = pact[q + k] + rowAct;
      }
    }
    const stack = this.stack;
    let sp = 0;
    stack[sp++] = range[0];
    stack[sp++] = range[1];
    stack[sp++] = range[2];
    stack[sp++] = range[3];
    while (sp > 0) {
      const b1 = stack[--sp];
      const b0 = stack[--sp];
      const a1 = stack[--sp];
      const a0 = stack[--sp];
      // low-res cells the rectangle's taps read, relative to the prefix origin (+1 for the zero row/column)
      const ra = ys[gy[a0]] - r0;
      const rb = ys[gy[a1 - 1]] + ky - r0;
      const ca = xs[gx[b0]] - c0;
      const cb = xs[gx[b1 - 1]] + kx - c0;
      const act = pact[rb * pw + cb] - pact[ra * pw + cb] - pact[rb * pw + ca] + pact[ra * pw + ca];
      if (act === 0) continue;
      const inn = pin[rb * pw + cb] - pin[ra * pw + cb] - pin[rb * pw + ca] + pin[ra * pw + ca];
      if (inn === (rb - ra) * (cb - ca)) {
        const k = 4 * this.interiorCount++;
        interiors[k] = gy[a0];
        interiors[k + 1] = gy[a1];
        interiors[k + 2] = gx[b0];
        interiors[k + 3] = gx[b1];
        continue;
      }
      if (a1 - a0 === 1 && b1 - b0 === 1) {
        const k = 2 * this.leafCount++;
        leaves[k] = a0;
        leaves[k + 1] = b0;
        continue;
      }
      if (a1 - a0 >= b1 - b0) {
        const m = (a0 + a1) >> 1;
        stack[sp++] = a0;
        stack[sp++] = m;
        stack[sp++] = b0;
        stack[sp++] = b1;
        stack[sp++] = m;
        stack[sp++] = a1;
        stack[sp++] = b0;
        stack[sp++] = b1;
      } else {
        const m = (b0 + b1) >> 1;
        stack[sp++] = a0;
        stack[sp++] = a1;
        stack[sp++] = b0;
        stack[sp++] = m;
        stack[sp++] = a0;
        stack[sp++] = a1;
        stack[sp++] = m;
        stack[sp++] = b1;
      }
    }
  }

  /** The interpolated logit at one image pixel (float64 on float32 taps). */
  valueAt(low: Float32Array, py: number, px: number): number {
    const s = this.geometry.lowResSize;
    const kx = this.x.k;
    const ky = this.y.k;
    const sy = this.y.start[py];
    const sx = this.x.start[px];
    let acc = 0;
    for (let i = 0; i < ky; i++) {
      const wy = this.y.weights[py * ky + i];
      if (wy === 0) continue;
      const row = (sy + i) * s + sx;
      let h = 0;
      for (let j = 0; j < kx; j++) h += this.x.weights[px * kx + j] * low[row + j];
      acc += wy * h;
    }
    return acc;
  }

  /**
   * Interpolates the block [ya, yb) × [xa, xb) (one tap window) into `this.block` (row-major, width xb − xa):
   * horizontal combinations per tap row first, then the vertical ones — the same arithmetic as valueAt.
   */
  private interpolateBlock(low: Float32Array, ya: number, yb: number, xa: number, xb: number): void {
    const s = this.geometry.lowResSize;
    const kx = this.x.k;
    const ky = this.y.k;
    const xw = this.x.weights;
    const yw = this.y.weights;
    const bw = xb - xa;
    const sy = this.y.start[ya];
    const sx = this.x.start[xa];
    const h = this.rowsScratch;
    for (let i = 0; i < ky; i++) {
      const row = (sy + i) * s + sx;
      for (let px = xa; px < xb; px++) {
        let acc = 0;
        const w = px * kx;
        for (let j = 0; j < kx; j++) acc += xw[w + j] * low[row + j];
        h[i * bw + px - xa] = acc;
      }
    }
    const out = this.block;
    for (let py = ya; py < yb; py++) {
      const o = (py - ya) * bw;
      for (let c = 0; c < bw; c++) out[o + c] = 0;
      for (let i = 0; i < ky; i++) {
        const wy = yw[py * ky + i];
        if (wy === 0) continue;
        const hi = i * bw;
        for (let c = 0; c < bw; c++) out[o + c] += wy * h[hi + c];
      }
    }
  }

  /** Stability counts, area and box at image resolution without materialising the mask. */
  stats(low: Float32Array, threshold: number, offset: number): UpscaleStats {
    this.checkInput(low);
    const s = this.geometry.lowResSize;
    const hi = threshold + offset;
    const lo = threshold - offset;
    const gy = this.y.groupStart;
    const gx = this.x.groupStart;
    const kx = this.x.k;
    const ky = this.y.k;
    const block = this.block;
    let countHigh = 0;
    let countLow = 0;
    let area = 0;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -1;
    let y1 = -1;
    this.traverse(low, hi + EPS, lo - EPS);
    const active = this.lastActive;
    const support: [number, number, number, number] | null = active
      ? [Math.max(0, active[0] - ky + 1), Math.min(s - 1, active[1] + ky - 1), Math.max(0, active[2] - kx + 1), Math.min(s - 1, active[3] + kx - 1)]
      : null;
    const interiors = this.interiors;
    for (let i = 0; i < this.interiorCount; i++) {
      const ya = interiors[4 * i];
      const yb = interiors[4 * i + 1];
      const xa = interiors[4 * i + 2];
      const xb = interiors[4 * i + 3];
      const n = (yb - ya) * (xb - xa);
      countLow += n;
      countHigh += n;
      area += n;
      if (xa < x0) x0 = xa;
      if (xb - 1 > x1) x1 = xb - 1;
      if (ya < y0) y0 = ya;
      if (yb - 1 > y1) y1 = yb - 1;
    }
    const leaves = this.leaves;
    const ystart = this.y.start;
    const xstart = this.x.start;
    const leafCount = this.leafCount;
    for (let i = 0; i < leafCount; i++) {
      const a = leaves[2 * i];
      const b = leaves[2 * i + 1];
      const ya = gy[a];
      const yb = gy[a + 1];
      const xa = gx[b];
      const xb = gx[b + 1];
      const w0 = ystart[ya] * s + xstart[xa];
      let mn = low[w0];
      let mx = mn;
      for (let r = 0; r < ky; r++) {
        const o = w0 + r * s;
        for (let j = 0; j < kx; j++) {
          const v = low[o + j];
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
      }
      if (mx < lo - EPS) continue;
      // between lo and hi and on one side of the threshold: decided without interpolating
      if (mn > lo + EPS && mx < hi - EPS && (mn > threshold + EPS || mx < threshold - EPS)) {
        const n = (yb - ya) * (xb - xa);
        countLow += n;
        if (mn > threshold + EPS) {
          area += n;
          if (xa < x0) x0 = xa;
          if (xb - 1 > x1) x1 = xb - 1;
          if (ya < y0) y0 = ya;
          if (yb - 1 > y1) y1 = yb - 1;
        }
        continue;
      }
      this.interpolateBlock(low, ya, yb, xa, xb);
      const bw = xb - xa;
      for (let py = ya; py < yb; py++) {
        const o = (py - ya) * bw;
        for (let c = 0; c < bw; c++) {
          const v = block[o + c];
          if (v > lo) {
            countLow++;
            if (v > hi) countHigh++;
            if (v > threshold) {
              area++;
              const px = xa + c;
              if (px < x0) x0 = px;
              if (px > x1) x1 = px;
              if (py < y0) y0 = py;
              if (py > y1) y1 = py;
            }
          }
        }
      }
    }
    const box: [number, number, number, number] = area > 0 ? [x0, y0, x1, y1] : [0, 0, 0, 0];
    return { countHigh, countLow, area, box, support };
  }

  /** Binary mask [H, W] of logit > threshold at image resolution. */
  mask(low: Float32Array, threshold: number): Uint8Array {
    this.checkInput(low);
    const W = this.geometry.width;
    const out = new Uint8Array(W * this.geometry.height);
    const gy = this.y.groupStart;
    const gx = this.x.groupStart;
    const block = this.block;
    this.traverse(low, threshold + EPS, threshold - EPS);
    const interiors = this.interiors;
    for (let i = 0; i < this.interiorCount; i++) {
      const ya = interiors[4 * i];
      const yb = interiors[4 * i + 1];
      const xa = interiors[4 * i + 2];
      const xb = interiors[4 * i + 3];
      for (let py = ya; py < yb; py++) out.fill(1, py * W + xa, py * W + xb);
    }
    const leaves = this.leaves;
    for (let i = 0; i < this.leafCount; i++) {
      const ya = gy[leaves[2 * i]];
      const yb = gy[leaves[2 * i] + 1];
      const xa = gx[leaves[2 * i + 1]];
      const xb = gx[leaves[2 * i + 1] + 1];
      this.interpolateBlock(low, ya, yb, xa, xb);
      const bw = xb - xa;
      for (let py = ya; py < yb; py++) {
        for (let c = 0; c < bw; c++) if (block[(py - ya) * bw + c] > threshold) out[py * W + xa + c] = 1;
      }
    }
    return out;
  }

  /** The full float logit map [H, W] (separable: rows then columns). */
  logits(low: Float32Array): Float32Array {
    this.checkInput(low);
    assertFinite('low-res logits', low);
    const s = this.geometry.lowResSize;
    const W = this.geometry.width;
    const H = this.geometry.height;
    const kx = this.x.k;
    const ky = this.y.k;
    const rows = new Float64Array(s * W);
    for (let r = 0; r < s; r++) {
      const src = r * s;
      const dst = r * W;
      for (let px = 0; px < W; px++) {
        const st = src + this.x.start[px];
        let h = 0;
        for (let j = 0; j < kx; j++) h += this.x.weights[px * kx + j] * low[st + j];
        rows[dst + px] = h;
      }
    }
    const out = new Float32Array(W * H);
    const acc = new Float64Array(W);
    for (let py = 0; py < H; py++) {
      const sy = this.y.start[py];
      acc.fill(0);
      for (let i = 0; i < ky; i++) {
        const wy = this.y.weights[py * ky + i];
        if (wy === 0) continue;
        const r = (sy + i) * W;
        for (let px = 0; px < W; px++) acc[px] += wy * rows[r + px];
      }
      out.set(acc, py * W);
    }
    return out;
  }
}
