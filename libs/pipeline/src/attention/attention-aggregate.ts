import type { UnetAttentionReadout } from '../ports/ref-diff-models';
import { PipelineError } from '../errors/pipeline.errors';
import { resizeBilinear } from '../image/bilinear-resize';

/**
 * How the batch of a UNet call is read:
 * - `cfg`: batch [uncond, cond] (reference order); map = u + scale·(c − u) per head-averaged column (reference,
 *   on pre-softmax logits, scale 9);
 * - `cond`: the conditional half only (paper: softmax probabilities of the prompt).
 */
export type AttentionGuidance = { readonly mode: 'cfg'; readonly scale: number } | { readonly mode: 'cond' };

export interface AttentionAggregateOptions {
  /** token column(s) of the 77-token sequence; several columns are averaged (e.g. all BPE pieces of a word) */
  readonly tokens: readonly number[];
  readonly guidance: AttentionGuidance;
  /** index of the conditional sample in the batch; default B − 1 (cond last, as [uncond, cond]) */
  readonly condIndex?: number;
  /** index of the unconditional sample; default 0 */
  readonly uncondIndex?: number;
  /** ε in (a − min)/(max − min + ε); default 1e-8 */
  readonly epsilon?: number;
}

export interface AttentionMap {
  /** [side, side] in [0, 1] */
  readonly data: Float32Array;
  readonly side: number;
}

interface ReadoutShape {
  readonly batch: number;
  readonly heads: number;
  readonly hw: number;
  readonly t: number;
  /** element offset of (b, h, p, 0) = b·bStride + h·hStride + p·t */
  readonly bStride: number;
  readonly hStride: number;
}

function readoutShape(r: UnetAttentionReadout): ReadoutShape {
  const d = r.dims;
  const bad = (why: string) =>
    new PipelineError('INVALID_SHAPE', `attention readout ${r.layer} (${r.layout}, dims [${d.join(', ')}]): ${why}`);
  if (r.layout === 'b-h-hw-t') {
    if (d.length !== 4) throw bad('expected 4 dims [B, heads, HW, T]');
    if (d[1] !== r.heads) throw bad(`heads dim ${d[1]} ≠ heads ${r.heads}`);
    const [batch, heads, hw, t] = d;
    return { batch, heads, hw, t, bStride: heads * hw * t, hStride: hw * t };
  }
  if (d.length !== 3) throw bad('expected 3 dims');
  const [bh, hw, t] = d;
  if (r.layout === 'bh-hw-t') {
    if (!(r.heads > 0) || bh % r.heads !== 0) throw bad(`first dim ${bh} is not a multiple of heads ${r.heads}`);
    return { batch: bh / r.heads, heads: r.heads, hw, t, bStride: r.heads * hw * t, hStride: hw * t };
  }
  if (r.layout === 'b-hw-t') return { batch: bh, heads: 1, hw, t, bStride: hw * t, hStride: 0 };
  throw bad(`unknown layout ${String(r.layout)}`);
}

/**
 * The head- and token-averaged columns of batch elements b and u (u < 0: b only), [HW] each. Each pixel's sum runs
 * over the heads, then the tokens, from 0 — the order of the previous one-column-at-a-time loop (kept in
 * attention-aggregate.spec.ts as the reference) — so every value is the same. The readouts are MBs and a pixel's
 * value is one float per cache line, so the loop is bound by cache misses: reading both elements' columns (and two
 * heads when one token is read) in one loop keeps several misses in flight (1.0 → 0.6–0.7 ms for 10 readouts of
 * [12, 1024, 77], in one process). The same error as before for the first non-finite value (b's before u's).
 */
function columns(r: UnetAttentionReadout, s: ReadoutShape, b: number, u: number, tokens: readonly number[], outB: Float64Array, outU: Float64Array): void {
  const data = r.data;
  const norm = 1 / (s.heads * tokens.length);
  const { heads, hw, t, hStride } = s;
  outB.fill(0);
  if (u >= 0) outU.fill(0);
  let h0 = 0;
  if (tokens.length === 1 && u >= 0 && hStride > 0) {
    // two heads a pass (four strided streams): out[p] = (out[p] + head h) + head h+1, the order of one head a pass
    const tok = tokens[0];
    for (; h0 + 1 < heads; h0 += 2) {
      let ob = b * s.bStride + h0 * hStride + tok;
      let ou = u * s.bStride + h0 * hStride + tok;
      for (let p = 0; p < hw; p++, ob += t, ou += t) {
        outB[p] = outB[p] + data[ob] + data[ob + hStride];
        outU[p] = outU[p] + data[ou] + data[ou + hStride];
      }
    }
  }
  for (let h = h0; h < heads; h++) {
    for (let k = 0; k < tokens.length; k++) {
      let ob = b * s.bStride + h * hStride + tokens[k];
      if (u >= 0) {
        let ou = u * s.bStride + h * hStride + tokens[k];
        for (let p = 0; p < hw; p++, ob += t, ou += t) {
          outB[p] += data[ob];
          outU[p] += data[ou];
        }
      } else for (let p = 0; p < hw; p++, ob += t) outB[p] += data[ob];
    }
  }
  let badB = -1;
  let badU = -1;
  for (let p = 0; p < hw; p++) {
    const vb = outB[p] * norm;
    outB[p] = vb;
    if (vb - vb !== 0 && badB < 0) badB = p;
  }
  if (u >= 0) {
    for (let p = 0; p < hw; p++) {
      const vu = outU[p] * norm;
      outU[p] = vu;
      if (vu - vu !== 0 && badU < 0) badU = p;
    }
  }
  if (badB >= 0) throw new PipelineError('INVALID_VALUE', `attention readout ${r.layer}: non-finite value at batch ${b}, pixel ${badB}`);
  if (badU >= 0) throw new PipelineError('INVALID_VALUE', `attention readout ${r.layer}: non-finite value at batch ${u}, pixel ${badU}`);
}

/** Min-max normalises in place: (a − min)/(max − min + ε). A constant map becomes all zeros. */
export function minMaxNormalize(map: Float32Array | Float64Array, epsilon = 1e-8): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (v - v !== 0) throw new PipelineError('INVALID_VALUE', `map[${i}] is ${v}; every value must be finite`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const inv = 1 / (max - min + epsilon);
  for (let i = 0; i < map.length; i++) map[i] = (map[i] - min) * inv;
}

/** minMaxNormalize for the Float64 columns, kept monomorphic (one element type per hot loop). */
function normalizeColumn(map: Float64Array, epsilon = 1e-8): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (v - v !== 0) throw new PipelineError('INVALID_VALUE', `map[${i}] is ${v}; every value must be finite`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const inv = 1 / (max - min + epsilon);
  for (let i = 0; i < map.length; i++) map[i] = (map[i] - min) * inv;
}

/**
 * Cross-attention readouts (one per layer and UNet step) → one map at the readouts' resolution: for each readout,
 * head average, token column(s), guidance, min-max; then the mean over readouts. Readouts of different
 * resolutions are bilinearly resized to the largest before averaging.
 */
export function aggregateAttention(readouts: readonly UnetAttentionReadout[], options: AttentionAggregateOptions): AttentionMap {
  if (readouts.length === 0) throw new PipelineError('INVALID_SHAPE', 'aggregateAttention needs at least one readout, got 0');
  if (options.tokens.length === 0) throw new PipelineError('INVALID_VALUE', 'aggregateAttention needs at least one token index');
  if (options.guidance.mode === 'cfg' && !Number.isFinite(options.guidance.scale)) {
    throw new PipelineError('INVALID_VALUE', `guidance scale must be finite, got ${options.guidance.scale}`);
  }
  const shapes = readouts.map((r) => {
    const s = readoutShape(r);
    const side = Math.round(Math.sqrt(s.hw));
    if (side * side !== s.hw) {
      throw new PipelineError('INVALID_SHAPE', `attention readout ${r.layer}: HW = ${s.hw} is not a square`);
    }
    if (r.data.length !== s.batch * s.heads * s.hw * s.t) {
      throw new PipelineError(
        'INVALID_SHAPE',
        `attention readout ${r.layer}: data length ${r.data.length} ≠ product of dims [${r.dims.join(', ')}]`,
      );
    }
    for (const tok of options.tokens) {
      if (!Number.isInteger(tok) || tok < 0 || tok >= s.t) {
        throw new PipelineError('INVALID_VALUE', `token index ${tok} out of range [0, ${s.t}) for readout ${r.layer}`);
      }
    }
    return { ...s, side };
  });
  const side = Math.max(...shapes.map((s) => s.side));
  const acc = new Float64Array(side * side);
  const maxHw = Math.max(...shapes.map((s) => s.hw));
  const mapBuf = new Float64Array(maxHw);
  const uBuf = new Float64Array(maxHw);
  for (let k = 0; k < readouts.length; k++) {
    const r = readouts[k];
    const s = shapes[k];
    const cond = options.condIndex ?? s.batch - 1;
    if (cond < 0 || cond >= s.batch) {
      throw new PipelineError('INVALID_VALUE', `cond index ${cond} out of range for batch ${s.batch} (${r.layer})`);
    }
    const map = s.hw === maxHw ? mapBuf : mapBuf.subarray(0, s.hw);
    if (options.guidance.mode === 'cfg') {
      const uncond = options.uncondIndex ?? 0;
      if (uncond < 0 || uncond >= s.batch || uncond === cond) {
        // cond's column first: its error comes before this one, as when the columns were read one after another
        columns(r, s, cond, -1, options.tokens, map, map);
        throw new PipelineError(
          'INVALID_VALUE',
          `classifier-free guidance needs a distinct uncond sample; uncond index ${uncond}, cond ${cond}, batch ${s.batch} (${r.layer})`,
        );
      }
      const u = s.hw === maxHw ? uBuf : uBuf.subarray(0, s.hw);
      columns(r, s, cond, uncond, options.tokens, map, u);
      const g = options.guidance.scale;
      for (let p = 0; p < s.hw; p++) map[p] = u[p] + g * (map[p] - u[p]);
    } else columns(r, s, cond, -1, options.tokens, map, map);
    normalizeColumn(map, options.epsilon);
    if (s.side === side) {
      for (let p = 0; p < s.hw; p++) acc[p] += map[p];
    } else {
      const up = resizeBilinear(Float32Array.from(map), 1, s.side, s.side, side, side);
      for (let p = 0; p < up.length; p++) acc[p] += up[p];
    }
  }
  const data = new Float32Array(side * side);
  const inv = 1 / readouts.length;
  for (let p = 0; p < data.length; p++) data[p] = acc[p] * inv;
  return { data, side };
}
