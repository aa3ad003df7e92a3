import type { SamDecodeResult } from '../ports/ref-diff-models';
import { assertLength, assertRange, PipelineError } from '../errors/pipeline.errors';
import { boxNms } from './box-nms';
import { SamMaskUpscaler } from './mask-upscale';
import { SamRunUpscaler } from './run-upscale';
import type { SamGeometry } from './sam-geometry';

/** segment-anything SamAutomaticMaskGenerator post-processing settings (defaults exactly SAM's). */
export interface SamAmgSettings {
  readonly predIouThresh: number;
  readonly stabilityScoreThresh: number;
  readonly stabilityScoreOffset: number;
  readonly maskThreshold: number;
  readonly boxNmsThresh: number;
}

export const SAM_AMG_DEFAULTS: SamAmgSettings = Object.freeze({
  predIouThresh: 0.88,
  stabilityScoreThresh: 0.95,
  stabilityScoreOffset: 1.0,
  maskThreshold: 0.0,
  boxNmsThresh: 0.7,
});

/**
 * A mask that passed the IoU and stability filters. Its low-res logits are kept only over the cells that can reach
 * the mask threshold (`support`, widened by the tap span), enough to materialise the mask exactly later while
 * holding a few KB instead of the whole S×S plane per candidate.
 */
export interface SamCandidate {
  /** index of the prompt point in the grid */
  readonly point: number;
  /** 0..2: which of the multimask outputs */
  readonly multimask: number;
  readonly predIou: number;
  readonly stability: number;
  readonly area: number;
  /** [x0, y0, x1, y1] inclusive, image pixels */
  readonly box: [number, number, number, number];
  /** low-res logits over rows [row0, row0 + rows) × cols [col0, col0 + cols) of the S×S plane (a copy) */
  readonly lowRes: { readonly data: Float32Array; readonly row0: number; readonly col0: number; readonly rows: number; readonly cols: number };
}

/** floats per chunk of stored support windows (1 MB: a few hundred candidates' windows) */
const WINDOW_CHUNK = 1 << 18;
/** chunks released by finished generators, for the next ones (at most MAX_POOLED_CHUNKS: 32 MB) */
const chunkPool: Float32Array<ArrayBuffer>[] = [];
const MAX_POOLED_CHUNKS = 32;

/** Logits below every threshold, for cells outside a candidate's support. */
const FLOOR_LOGIT = -1e4;

/**
 * `#(logit > t + offset) / #(logit > t − offset)` as segment-anything computes it: int32 counts divided into a float32
 * tensor (so the ratio is the float32 nearest the quotient); 0 when nothing is above t − offset (SAM's 0/0 never passes).
 */
export function stabilityScore(countHigh: number, countLow: number): number {
  return countLow > 0 ? Math.fround(Math.fround(countHigh) / Math.fround(countLow)) : 0;
}

/**
 * SAM's filters compare float32 tensors with a Python float, which torch casts to float32: `iou_preds > thresh` and
 * `stability >= thresh` hold in float32, not float64. They differ when the threshold's float32 rounds up (0.92:
 * an iou of exactly fround(0.92) fails) or a ratio of big counts rounds onto the threshold (1138460 / 1198379 passes 0.95).
 */
export function passesPredIou(iou: number, thresh: number): boolean {
  return Math.fround(iou) > Math.fround(thresh);
}

/** 0/0 is NaN in torch and never passes, even at threshold 0. */
export function passesStability(countHigh: number, countLow: number, thresh: number): boolean {
  return countLow > 0 && stabilityScore(countHigh, countLow) >= Math.fround(thresh);
}

/**
 * SAM's automatic mask generation after the decoder (segment-anything amg `_process_batch` + `_process_crop` with
 * crop_n_layers 0, min_mask_region_area 0): per decoded batch keep pred IoU > thresh, upscale only those (lazily,
 * see SamMaskUpscaler), keep stability ≥ thresh, binarise at the mask threshold, box; then one box NMS over all
 * kept masks scored by predicted IoU. Feed batches in point order with `addBatch`, then `finish`. NaN / +Infinity logits
 * that a mask passing the IoU filter reads throw INVALID_VALUE (the others are never read; see SamRunUpscaler).
 */
export class SamMaskGenerator {
  readonly settings: SamAmgSettings;
  /**
   * 'runs' (default): SamRunUpscaler (its hot loops in WebAssembly SIMD unless `simd: false` or unavailable);
   * 'reference': the block-quadtree SamMaskUpscaler it is tested against
   */
  readonly engine: 'runs' | 'reference';
  private readonly upscaler: SamRunUpscaler | SamMaskUpscaler;
  private readonly candidates: SamCandidate[] = [];
  private chunk: Float32Array<ArrayBuffer> = new Float32Array(0);
  private chunkUsed = 0;
  /** every chunk of WINDOW_CHUNK floats this generator took, for `release` */
  private readonly chunks: Float32Array<ArrayBuffer>[] = [];
  private released = false;
  /** buffers lent for decoder batches and not given back yet */
  private readonly lent = new Set<Float32Array>();
  /** how many masks each stage saw, for logs and benches */
  readonly counts = { decoded: 0, passedIou: 0, passedStability: 0, kept: 0 };

  constructor(
    readonly geometry: SamGeometry,
    settings: Partial<SamAmgSettings> = {},
    options: { engine?: 'runs' | 'reference'; simd?: boolean } = {},
  ) {
    this.settings = { ...SAM_AMG_DEFAULTS, ...settings };
    const s = this.settings;
    assertRange('predIouThresh', s.predIouThresh, -Infinity, Infinity);
    assertRange('stabilityScoreThresh', s.stabilityScoreThresh, 0, 1);
    assertRange('stabilityScoreOffset', s.stabilityScoreOffset, 0, Infinity);
    assertRange('maskThreshold', s.maskThreshold, -Infinity, Infinity);
    assertRange('boxNmsThresh', s.boxNmsThresh, 0, 1);
    this.engine = options.engine ?? 'runs';
    if (this.engine !== 'runs' && this.engine !== 'reference') {
      throw new PipelineError('INVALID_VALUE', `SAM post-processing engine must be 'runs' or 'reference', got ${String(this.engine)}`);
    }
    this.upscaler = this.engine === 'runs' ? new SamRunUpscaler(geometry, { simd: options.simd }) : new SamMaskUpscaler(geometry);
  }

  /**
   * A buffer for one decoder batch's lowResLogits, [points, 3, S, S], that `addBatch` reads in place: a decoder
   * writing its output there saves copying every candidate's cells into the WebAssembly kernels' memory. Null when
   * none is available (the 'reference' engine, no WebAssembly SIMD, all lent); the caller then passes the decoder's
   * own array. Give it back with `giveBack` once the batch was added or its decoder call failed; `release` takes back
   * any still out.
   */
  lendLowResLogits(points: number): Float32Array | null {
    if (this.released || !(this.upscaler instanceof SamRunUpscaler) || !Number.isInteger(points) || points < 1) return null;
    const s = this.geometry.lowResSize;
    const data = this.upscaler.lend(points * 3 * s * s);
    if (data) this.lent.add(data);
    return data;
  }

  /** Takes back a buffer `lendLowResLogits` returned (anything else is ignored). */
  giveBack(data: Float32Array): void {
    if (!this.lent.delete(data)) return;
    (this.upscaler as SamRunUpscaler).giveBack(data);
  }

  /** One decoder call: iouScores [P, 3], lowResLogits [P, 3, S, S]; `firstPoint` = grid index of its first point. */
  addBatch(result: SamDecodeResult, firstPoint = 0): void {
    if (this.released) throw new PipelineError('INTERNAL', 'SAM mask generator used after release()');
    const p = result.points;
    const s = this.geometry.lowResSize;
    const plane = s * s;
    if (!Number.isInteger(p) || p < 0) throw new PipelineError('INVALID_SHAPE', `SAM batch points must be ≥ 0, got ${p}`);
    assertLength('SAM iouScores', result.iouScores.length, p * 3, `[${p}, 3]`);
    assertLength('SAM lowResLogits', result.lowResLogits.length, p * 3 * plane, `[${p}, 3, ${s}, ${s}]`);
    const st = this.settings;
    for (let i = 0; i < p * 3; i++) {
      this.counts.decoded++;
      const iou = result.iouScores[i];
      if (Number.isNaN(iou)) {
        throw new PipelineError('INVALID_VALUE', `SAM iouScores[${i}] (point ${firstPoint + Math.floor(i / 3)}) is NaN`);
      }
      if (!passesPredIou(iou, st.predIouThresh)) continue;
      this.counts.passedIou++;
      const low = result.lowResLogits.subarray(i * plane, (i + 1) * plane);
      const stats = this.upscaler.stats(low, st.maskThreshold, st.stabilityScoreOffset);
      if (!passesStability(stats.countHigh, stats.countLow, st.stabilityScoreThresh)) continue;
      const stability = stabilityScore(stats.countHigh, stats.countLow);
      this.counts.passedStability++;
      const [r0, r1, c0, c1] = stats.support ?? [0, -1, 0, -1];
      const rows = r1 - r0 + 1;
      const cols = c1 - c0 + 1;
      const data = this.windowStore(rows * cols);
      if (this.upscaler instanceof SamRunUpscaler) this.upscaler.copyWindow(low, r0, rows, c0, cols, data);
      else for (let r = 0; r < rows; r++) data.set(low.subarray((r0 + r) * s + c0, (r0 + r) * s + c0 + cols), r * cols);
      this.candidates.push({
        point: firstPoint + Math.floor(i / 3),
        multimask: i % 3,
        predIou: iou,
        stability,
        area: stats.area,
        box: stats.box,
        lowRes: { data, row0: r0, col0: c0, rows, cols },
      });
    }
  }

  /**
   * `n` floats for a candidate's support window, a view into a chunk shared with the next candidates. Chunks come from
   * the pool that released generators fill: fresh memory costs a page fault per 4 KB on its first write, and a fresh
   * array per candidate (the previous way) cost about as much as the interpolation of the boundary (~15–20 MB per
   * image at 640×480).
   */
  private windowStore(n: number): Float32Array {
    if (this.released) throw new PipelineError('INTERNAL', 'SAM mask generator used after release()');
    if (this.chunkUsed + n > this.chunk.length) {
      if (n > WINDOW_CHUNK) {
        this.chunk = new Float32Array(n);
      } else {
        this.chunk = chunkPool.pop() ?? new Float32Array(WINDOW_CHUNK);
        this.chunks.push(this.chunk);
      }
      this.chunkUsed = 0;
    }
    const view = this.chunk.subarray(this.chunkUsed, this.chunkUsed + n);
    this.chunkUsed += n;
    return view;
  }

  /** Box NMS over everything kept so far → candidates by predicted IoU, highest first (SAM's output order). */
  finish(): SamCandidate[] {
    const n = this.candidates.length;
    const boxes = new Float64Array(n * 4);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      boxes.set(this.candidates[i].box, i * 4);
      scores[i] = this.candidates[i].predIou;
    }
    const keep = boxNms(boxes, scores, this.settings.boxNmsThresh);
    this.counts.kept = keep.length;
    return Array.from(keep, (k) => this.candidates[k]);
  }

  /**
   * Hands the memory of the stored support windows to the next generators. The candidates' `lowRes` are invalid after
   * this (their memory is reused), and `mask`, `lowResPlane` and `addBatch` throw: call it once the kept masks are
   * materialised (SamPostJob does).
   */
  release(): void {
    if (this.released) return;
    for (const data of [...this.lent]) this.giveBack(data);
    this.released = true;
    for (const c of this.chunks) if (chunkPool.length < MAX_POOLED_CHUNKS) chunkPool.push(c);
    this.chunks.length = 0;
    this.chunk = new Float32Array(0);
    this.chunkUsed = 0;
  }

  /** The binary mask [H, W] of a candidate at image resolution. */
  mask(candidate: SamCandidate): Uint8Array {
    if (this.released) throw new PipelineError('INTERNAL', 'SAM mask generator used after release()');
    if (this.upscaler instanceof SamRunUpscaler) {
      const { data, row0, col0, rows, cols } = candidate.lowRes;
      return this.upscaler.mask({ data, stride: cols, row0, col0, rows, cols }, this.settings.maskThreshold);
    }
    return this.upscaler.mask(this.lowResPlane(candidate), this.settings.maskThreshold);
  }

  /** The candidate's S×S low-res logits, exact on its support and FLOOR_LOGIT elsewhere. */
  lowResPlane(candidate: SamCandidate): Float32Array {
    if (this.released) throw new PipelineError('INTERNAL', 'SAM mask generator used after release()');
    const s = this.geometry.lowResSize;
    const { data, row0, col0, rows, cols } = candidate.lowRes;
    const plane = new Float32Array(s * s).fill(Math.min(FLOOR_LOGIT, this.settings.maskThreshold - this.settings.stabilityScoreOffset - 1));
    for (let r = 0; r < rows; r++) plane.set(data.subarray(r * cols, (r + 1) * cols), (row0 + r) * s + col0);
    return plane;
  }
}
