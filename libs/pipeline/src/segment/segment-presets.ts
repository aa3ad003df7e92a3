import type { ModelPackConstants } from '../ports/ref-diff-models';
import { PipelineError } from '../errors/pipeline.errors';
import {
  checkSegmentOptions,
  DEFAULT_CLIP_MAX_SIDE,
  DEFAULT_MIN_AREA_RATIO,
  formatOptionIssues,
  type MergedOptions,
  type PackLimits,
} from './segment-options.rules';
import type { SegmentOptions } from './segment.types';

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
export interface ResolvedSettings extends MergedOptions {
  readonly imageSize: number;
  readonly clipResolution: 'full' | 'fixed';
}

export { DEFAULT_CLIP_MAX_SIDE, DEFAULT_MIN_AREA_RATIO };
/** the reference code's threshold as a share of a 640×480 COCO image, for comparison */
export const REFERENCE_MIN_AREA_RATIO = 10_000 / (640 * 480);

/** What the option checks need to know about a model pack (a worker reports it in GetInfo). */
export function packLimitsOf(constants: Pick<ModelPackConstants, 'packName' | 'sd' | 'clip'>): PackLimits {
  return {
    packName: constants.packName,
    sdImageSize: constants.sd.imageSize,
    clipImageSize: constants.clip.imageSize,
    clipDynamicImageSize: constants.clip.dynamicImageSize,
    clipLayers: constants.clip.layers ?? 1,
  };
}

/**
 * The preset's defaults with the request's overrides, checked by the one shared validation (checkSegmentOptions)
 * against this pack; the pack fills imageSize and clipResolution when the request does not.
 * @throws PipelineError INVALID_ARGUMENT listing every bad option by name
 */
export function resolveSettings(options: SegmentOptions, constants: Pick<ModelPackConstants, 'packName' | 'sd' | 'clip'>): ResolvedSettings {
  const { merged, issues } = checkSegmentOptions(options, packLimitsOf(constants));
  if (issues.length > 0) throw new PipelineError('INVALID_ARGUMENT', `invalid options: ${formatOptionIssues(issues)}`);
  return merged as ResolvedSettings;
}

/** The pixel area at or below which a proposal is filtered (the reference's `area ≤ 10,000`). */
export function minAreaFor(s: ResolvedSettings, width: number, height: number): number {
  return s.minArea ?? Math.floor(s.minAreaRatio * width * height);
}
