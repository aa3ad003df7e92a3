import { PipelineError } from '../errors/pipeline.errors';

/**
 * Fusion of per-proposal scores.
 * - `paper`: s = α·s_G + (1 − α)·s_D with s_D = v·r, v = β·f_M(x⊙P) + (1 − β)·f(x⊙M). With unit embeddings and one
 *   target r the dot product is linear, so s_D = β·soft + (1 − β)·hard (soft, hard already dotted with r).
 * - `reference`: s = w_hard·hard + w_soft·soft + w_gen·s_G (0.7, 0.3, 0.05).
 * Filtered proposals get −Infinity (the reference multiplies by 0, which can beat negative scores).
 */
export type FusionPreset =
  | { readonly kind: 'paper'; readonly alpha: number; readonly beta: number }
  | { readonly kind: 'reference'; readonly hard: number; readonly soft: number; readonly generative: number };

export const PAPER_FUSION: FusionPreset = Object.freeze({ kind: 'paper', alpha: 0.1, beta: 0.3 });
export const REFERENCE_FUSION: FusionPreset = Object.freeze({ kind: 'reference', hard: 0.7, soft: 0.3, generative: 0.05 });

export interface ProposalScoreInputs {
  readonly generative: ArrayLike<number>;
  readonly hard: ArrayLike<number>;
  readonly soft: ArrayLike<number>;
  /** 1 = competes, 0 = filtered; absent = all compete */
  readonly keep?: ArrayLike<number>;
}

export function fuseScores(inputs: ProposalScoreInputs, preset: FusionPreset): Float64Array {
  const n = inputs.generative.length;
  for (const [name, arr] of [['hard', inputs.hard], ['soft', inputs.soft], ['keep', inputs.keep]] as const) {
    if (arr && arr.length !== n) {
      throw new PipelineError('INVALID_SHAPE', `${name} scores have length ${arr.length}, generative has ${n}`);
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (inputs.keep && !inputs.keep[i]) {
      out[i] = -Infinity;
      continue;
    }
    const g = inputs.generative[i];
    const h = inputs.hard[i];
    const s = inputs.soft[i];
    if (preset.kind === 'paper') {
      // an empty weight-free proposal has s_G = −∞; 0·(−∞) would be NaN
      const gen = preset.alpha === 0 ? 0 : preset.alpha * g;
      const disc = preset.alpha === 1 ? 0 : (1 - preset.alpha) * (preset.beta * s + (1 - preset.beta) * h);
      out[i] = gen + disc;
    } else {
      out[i] = preset.hard * h + preset.soft * s + (preset.generative === 0 ? 0 : preset.generative * g);
    }
    if (Number.isNaN(out[i])) {
      throw new PipelineError('INVALID_VALUE', `proposal ${i}: fused score is NaN (generative ${g}, hard ${h}, soft ${s})`);
    }
  }
  return out;
}

/** Index of the highest score; ties → the lowest index; −Infinity everywhere → the first index. Empty → −1. */
export function argmax(scores: ArrayLike<number>): number {
  let best = -1;
  let bestV = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (Number.isNaN(v)) throw new PipelineError('INVALID_VALUE', `score[${i}] is NaN`);
    if (best < 0 || v > bestV) {
      best = i;
      bestV = v;
    }
  }
  return best;
}
