import type { ModelPackConstants } from '../ports/ref-diff-models';
import { PipelineError } from '../errors/pipeline.errors';
import type { Preset, ProposalSource, SegmentOptions } from './segment.types';

/**
 * Presets (method.md §4) → fully resolved settings. Every constant can be overridden per request.
 *
 * reference (§3 with its bugs fixed): 20 DDIM steps, strength 0.1 → noise to ᾱ(101), UNet at t = 51 and t = 1, CFG 9
 * on pre-softmax logits at level-4 layers; root word = last BPE piece; SAM proposals, the 10 largest, area ≤ minArea
 * filtered with −∞; ramp positional bias on the hard branch for all directions; fusion 0.7·hard + 0.3·soft + 0.05·s_G.
 * paper (§2): same noising plan, conditional softmax probabilities (guidance 1: no uncond batch), soft positional bias
 * on the masked (soft) branch, s = α·s_G + (1−α)·(β·soft + (1−β)·hard), α 0.1, β 0.3, r = mean(sentence, root word).
 *
 * Minimum area: the reference filters SAM masks of ≤ 10,000 px on COCO images (~640×480, i.e. ~3.3% of the image),
 * which drops small referents (a 0.5%-of-the-image object is common in RefCOCO and in the synthetic world). Images
 * here range from 64 px to megapixels, so the default is relative: 0.2% of the image area (614 px at 640×480,
 * 2,097 px at 1024², 8 px at 64²) — enough to drop SAM's specks. `minArea` (pixels) overrides it; the reference's
 * own value is `minArea: 10000`. Measured on the synthetic set: docs/method-implementation.md.
 */
export interface ResolvedSettings {
  readonly preset: Preset;
  readonly proposals: ProposalSource;
  readonly alpha: number;
  readonly beta: number;
  readonly weights: { readonly hard: number; readonly soft: number; readonly generative: number };
  readonly imageSize: number;
  readonly steps: number;
  readonly strength: number;
  readonly guidanceScale: number;
  readonly attentionLevel: 1 | 2 | 4 | 8;
  readonly attentionKind: 'logits' | 'probs';
  readonly topK: number;
  /** absolute pixels, or null = relative default (minAreaRatio) */
  readonly minArea: number | null;
  readonly minAreaRatio: number;
  readonly positionalBias: 'ramp' | 'soft' | 'off';
  /** which discriminative branch the positional bias multiplies */
  readonly biasBranch: 'hard' | 'soft';
  readonly thresholdMode: 'value' | 'quantile';
  readonly seed: number;
  /** text targets: hard and soft branch weights of (sentence, root word) */
  readonly hardText: { readonly sentence: number; readonly root: number };
  readonly softText: { readonly sentence: number; readonly root: number };
  /** fusion family */
  readonly fusion: 'paper' | 'reference';
  /** CLIP input resolution of both discriminative branches (see SegmentOverrides.clipResolution) */
  readonly clipResolution: 'full' | 'fixed';
  readonly clipMaxSide: number;
  /** soft-branch readout layer: 1-based, or negative from the end (−1 = last) */
  readonly maskedLayer: number;
}

/** default cap on the long side of a full-resolution CLIP input (COCO images, ≤ 640 px, are never scaled) */
export const DEFAULT_CLIP_MAX_SIDE = 1024;

/** default minimum proposal area as a share of the image area (see above) */
export const DEFAULT_MIN_AREA_RATIO = 0.002;
/** the reference code's threshold as a share of a 640×480 COCO image, for comparison */
export const REFERENCE_MIN_AREA_RATIO = 10_000 / (640 * 480);

function check(cond: boolean, message: string): void {
  if (!cond) throw new PipelineError('INVALID_ARGUMENT', message);
}

export function resolveSettings(options: SegmentOptions, constants: ModelPackConstants): ResolvedSettings {
  const preset = options.preset ?? 'reference';
  check(preset === 'paper' || preset === 'reference', `preset must be 'paper' or 'reference', got ${JSON.stringify(preset)}`);
  const paper = preset === 'paper';
  const s: ResolvedSettings = {
    preset,
    proposals: options.proposals ?? 'sam',
    alpha: options.alpha ?? 0.1,
    beta: options.beta ?? 0.3,
    weights: options.weights ?? { hard: 0.7, soft: 0.3, generative: 0.05 },
    imageSize: options.imageSize ?? constants.sd.imageSize,
    steps: options.steps ?? 20,
    strength: options.strength ?? 0.1,
    guidanceScale: options.guidanceScale ?? (paper ? 1 : 9),
    attentionLevel: options.attentionLevel ?? 4,
    attentionKind: options.attentionKind ?? (paper ? 'probs' : 'logits'),
    topK: options.topK ?? 10,
    minArea: options.minArea ?? null,
    minAreaRatio: DEFAULT_MIN_AREA_RATIO,
    positionalBias: options.positionalBias ?? (paper ? 'soft' : 'ramp'),
    biasBranch: paper ? 'soft' : 'hard',
    thresholdMode: options.thresholdMode ?? 'value',
    seed: options.seed ?? 0,
    hardText: paper ? { sentence: 0.5, root: 0.5 } : { sentence: 1, root: 0 },
    softText: { sentence: 0.5, root: 0.5 },
    fusion: paper ? 'paper' : 'reference',
    clipResolution: options.clipResolution ?? (constants.clip.dynamicImageSize ? 'full' : 'fixed'),
    clipMaxSide: options.clipMaxSide ?? DEFAULT_CLIP_MAX_SIDE,
    maskedLayer: options.maskedLayer ?? (paper && (constants.clip.layers ?? 1) >= 2 ? 2 : -1),
  };
  check(s.proposals === 'sam' || s.proposals === 'weight-free', `proposals must be 'sam' or 'weight-free', got ${JSON.stringify(s.proposals)}`);
  check(Number.isFinite(s.alpha) && s.alpha >= 0 && s.alpha <= 1, `alpha must be in [0, 1], got ${s.alpha}`);
  check(Number.isFinite(s.beta) && s.beta >= 0 && s.beta <= 1, `beta must be in [0, 1], got ${s.beta}`);
  for (const k of ['hard', 'soft', 'generative'] as const) {
    check(Number.isFinite(s.weights[k]), `weights.${k} must be a finite number, got ${s.weights[k]}`);
  }
  check(Number.isInteger(s.imageSize) && s.imageSize >= 64 && s.imageSize <= 2048 && s.imageSize % 64 === 0,
    `imageSize must be a multiple of 64 in [64, 2048], got ${s.imageSize}`);
  check(Number.isInteger(s.steps) && s.steps >= 2 && s.steps <= 1000, `steps must be an integer in [2, 1000], got ${s.steps}`);
  check(Number.isFinite(s.strength) && s.strength > 0 && s.strength < 1, `strength must be in (0, 1), got ${s.strength}`);
  const tEnc = Math.floor(s.strength * s.steps);
  check(tEnc >= 1 && tEnc <= 8, `strength × steps must give 1 to 8 UNet passes, got ${tEnc} (strength ${s.strength}, steps ${s.steps})`);
  check(Number.isFinite(s.guidanceScale) && s.guidanceScale >= 1 && s.guidanceScale <= 50, `guidanceScale must be in [1, 50], got ${s.guidanceScale}`);
  check([1, 2, 4, 8].includes(s.attentionLevel), `attentionLevel must be 1, 2, 4 or 8, got ${s.attentionLevel}`);
  check(s.attentionKind === 'logits' || s.attentionKind === 'probs', `attentionKind must be 'logits' or 'probs', got ${JSON.stringify(s.attentionKind)}`);
  check(Number.isInteger(s.topK) && s.topK >= 1 && s.topK <= 1000, `topK must be an integer in [1, 1000], got ${s.topK}`);
  check(s.minArea === null || (Number.isFinite(s.minArea) && s.minArea >= 0), `minArea must be ≥ 0 pixels, got ${s.minArea}`);
  check(['ramp', 'soft', 'off'].includes(s.positionalBias), `positionalBias must be 'ramp', 'soft' or 'off', got ${JSON.stringify(s.positionalBias)}`);
  check(s.thresholdMode === 'value' || s.thresholdMode === 'quantile', `thresholdMode must be 'value' or 'quantile', got ${JSON.stringify(s.thresholdMode)}`);
  check(Number.isInteger(s.seed) && s.seed >= 0 && s.seed <= 0xffffffff, `seed must be an integer in [0, 2³²), got ${s.seed}`);
  check(s.clipResolution === 'full' || s.clipResolution === 'fixed', `clipResolution must be 'full' or 'fixed', got ${JSON.stringify(s.clipResolution)}`);
  check(s.clipResolution === 'fixed' || constants.clip.dynamicImageSize,
    `clipResolution 'full' needs a model pack whose CLIP vision graphs take any size (clip.dynamicImageSize); pack '${constants.packName}' only takes ${constants.clip.imageSize}² — use 'fixed' or re-run \`refdiff models prepare\``);
  check(Number.isInteger(s.clipMaxSide) && s.clipMaxSide >= constants.clip.imageSize && s.clipMaxSide <= 4096,
    `clipMaxSide must be an integer in [${constants.clip.imageSize}, 4096], got ${s.clipMaxSide}`);
  const layers = constants.clip.layers ?? 1;
  check(Number.isInteger(s.maskedLayer) && s.maskedLayer !== 0 && Math.abs(s.maskedLayer) <= layers,
    `maskedLayer must be a non-zero integer in [−${layers}, ${layers}] (1-based, negative counts from the end; this pack's masked CLIP encoder has ${layers} readable layer${layers === 1 ? '' : 's'}), got ${s.maskedLayer}`);
  return s;
}

/** The pixel area at or below which a proposal is filtered (the reference's `area ≤ 10,000`). */
export function minAreaFor(s: ResolvedSettings, width: number, height: number): number {
  return s.minArea ?? Math.floor(s.minAreaRatio * width * height);
}
