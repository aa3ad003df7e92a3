import { assertLength } from '../errors/pipeline.errors';
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
    const start = Math.min(idx[0], idx[2]);
    const end = Math.max(idx[1], idx[3]);
    const w = new Array<number>(end - start + 1).fill(0);
    for (let j = 0; j < 4; j++) w[idx[j] - start] += wt[j];
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
  private readonly wmin: Float32Array;
  private readonly wmax: Float32Array;
  private readonly tmp: Float32Array;

  constructor(readonly geometry: SamGeometry) {
    const g = geometry;
    this.x = composeAxis(g.lowResSize, g.inputSize, g.resizedWidth, g.width);
    this.y = composeAxis(g.lowResSize, g.inputSize, g.resizedHeight, g.height);
    const s = g.lowResSize;
    this.wmin = new Float32Array(s * s);
    this.wmax = new Float32Array(s * s);
    this.tmp = new Float32Array(s * s * 2);
  }

  private checkInput(low: Float32Array): void {
    const s = this.geometry.lowResSize;
    assertLength('low-res logits', low.length, s * s, `[${s}, ${s}]`);
  }

  /** Window min/max over the K_y × K_x taps starting at each low-res cell. */
  private windows(low: Float32Array): void {
    const s = this.geometry.lowResSize;
    const kx = this.x.k;
    const ky = this.y.k;
    const hmin = this.tmp.subarray(0, s * s);
    const hmax = this.tmp.subarray(s * s);
    for (let r = 0; r < s; r++) {
      const o = r * s;
      for (let c = 0; c < s; c++) {
        let mn = low[o + c];
        let mx = mn;
        const e = Math.min(c + kx, s);
        for (let j = c + 1; j < e; j++) {
          const v = low[o + j];
          if (v < mn) mn = v;
          else if (v > mx) mx = v;
        }
        hmin[o + c] = mn;
        hmax[o + c] = mx;
      }
    }
    const wmin = this.wmin;
    const wmax = this.wmax;
    for (let r = 0; r < s; r++) {
      const e = Math.min(r + ky, s);
      const o = r * s;
      for (let c = 0; c < s; c++) {
        wmin[o + c] = hmin[o + c];
        wmax[o + c] = hmax[o + c];
      }
      for (let rr = r + 1; rr < e; rr++) {
        const q = rr * s;
        for (let c = 0; c < s; c++) {
          if (hmin[q + c] < wmin[o + c]) wmin[o + c] = hmin[q + c];
          if (hmax[q + c] > wmax[o + c]) wmax[o + c] = hmax[q + c];
        }
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

  /** Stability counts, area and box at image resolution without materialising the mask. */
  stats(low: Float32Array, threshold: number, offset: number): UpscaleStats {
    this.checkInput(low);
    this.windows(low);
    const s = this.geometry.lowResSize;
    const hi = threshold + offset;
    const lo = threshold - offset;
    const gy = this.y.groupStart;
    const gx = this.x.groupStart;
    let countHigh = 0;
    let countLow = 0;
    let area = 0;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -1;
    let y1 = -1;
    for (let a = 0; a + 1 < gy.length; a++) {
      const ya = gy[a];
      const yb = gy[a + 1];
      const wrow = this.y.start[ya] * s;
      for (let b = 0; b + 1 < gx.length; b++) {
        const xa = gx[b];
        const xb = gx[b + 1];
        const w = wrow + this.x.start[xa];
        const mn = this.wmin[w];
        const mx = this.wmax[w];
        if (mx < lo - EPS) continue; // all ≤ lo: counts nothing
        const n = (yb - ya) * (xb - xa);
        const decided =
          (mn > hi + EPS || mx < hi - EPS) && (mn > threshold + EPS || mx < threshold - EPS) && mn > lo + EPS;
        if (decided) {
          countLow += n;
          if (mn > hi + EPS) countHigh += n;
          if (mn > threshold + EPS) {
            area += n;
            if (xa < x0) x0 = xa;
            if (xb - 1 > x1) x1 = xb - 1;
            if (ya < y0) y0 = ya;
            if (yb - 1 > y1) y1 = yb - 1;
          }
          continue;
        }
        for (let py = ya; py < yb; py++) {
          for (let px = xa; px < xb; px++) {
            const v = this.valueAt(low, py, px);
            if (v > lo) {
              countLow++;
              if (v > hi) countHigh++;
              if (v > threshold) {
                area++;
                if (px < x0) x0 = px;
                if (px > x1) x1 = px;
                if (py < y0) y0 = py;
                if (py > y1) y1 = py;
              }
            }
          }
        }
      }
    }
    const box: [number, number, number, number] = area > 0 ? [x0, y0, x1, y1] : [0, 0, 0, 0];
    return { countHigh, countLow, area, box };
  }

  /** Binary mask [H, W] of logit > threshold at image resolution. */
  mask(low: Float32Array, threshold: number): Uint8Array {
    this.checkInput(low);
    this.windows(low);
    const s = this.geometry.lowResSize;
    const W = this.geometry.width;
    const out = new Uint8Array(W * this.geometry.height);
    const gy = this.y.groupStart;
    const gx = this.x.groupStart;
    for (let a = 0; a + 1 < gy.length; a++) {
      const ya = gy[a];
      const yb = gy[a + 1];
      const wrow = this.y.start[ya] * s;
      for (let b = 0; b + 1 < gx.length; b++) {
        const xa = gx[b];
        const xb = gx[b + 1];
        const w = wrow + this.x.start[xa];
        if (this.wmax[w] < threshold - EPS) continue;
        if (this.wmin[w] > threshold + EPS) {
          for (let py = ya; py < yb; py++) out.fill(1, py * W + xa, py * W + xb);
          continue;
        }
        for (let py = ya; py < yb; py++) {
          for (let px = xa; px < xb; px++) if (this.valueAt(low, py, px) > threshold) out[py * W + px] = 1;
        }
      }
    }
    return out;
  }

  /** The full float logit map [H, W] (separable: rows then columns). */
  logits(low: Float32Array): Float32Array {
    this.checkInput(low);
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
