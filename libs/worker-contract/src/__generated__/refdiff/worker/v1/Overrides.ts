// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { FusionWeights as _refdiff_worker_v1_FusionWeights, FusionWeights__Output as _refdiff_worker_v1_FusionWeights__Output } from '../../../refdiff/worker/v1/FusionWeights';
import type { AttentionKind as _refdiff_worker_v1_AttentionKind, AttentionKind__Output as _refdiff_worker_v1_AttentionKind__Output } from '../../../refdiff/worker/v1/AttentionKind';
import type { PositionalBias as _refdiff_worker_v1_PositionalBias, PositionalBias__Output as _refdiff_worker_v1_PositionalBias__Output } from '../../../refdiff/worker/v1/PositionalBias';
import type { ThresholdMode as _refdiff_worker_v1_ThresholdMode, ThresholdMode__Output as _refdiff_worker_v1_ThresholdMode__Output } from '../../../refdiff/worker/v1/ThresholdMode';
import type { DiscriminativeBranch as _refdiff_worker_v1_DiscriminativeBranch, DiscriminativeBranch__Output as _refdiff_worker_v1_DiscriminativeBranch__Output } from '../../../refdiff/worker/v1/DiscriminativeBranch';
import type { TextWeights as _refdiff_worker_v1_TextWeights, TextWeights__Output as _refdiff_worker_v1_TextWeights__Output } from '../../../refdiff/worker/v1/TextWeights';
import type { Preset as _refdiff_worker_v1_Preset, Preset__Output as _refdiff_worker_v1_Preset__Output } from '../../../refdiff/worker/v1/Preset';
import type { ClipResolution as _refdiff_worker_v1_ClipResolution, ClipResolution__Output as _refdiff_worker_v1_ClipResolution__Output } from '../../../refdiff/worker/v1/ClipResolution';

/**
 * Every field is checked by the one validation shared with the gateway and the CLI (checkSegmentOptions in
 * @refdiff/pipeline); bounds and each preset's values: docs/options.md. A bad value fails the call with
 * INVALID_ARGUMENT naming the field (e.g. `options.overrides.steps: …`) before it is queued.
 */
export interface Overrides {
  /**
   * paper fusion: s = alpha * s_G + (1 - alpha) * s_D, in [0, 1]
   */
  'alpha'?: (number | string);
  /**
   * paper discriminative mix, in [0, 1]
   */
  'beta'?: (number | string);
  /**
   * reference fusion weights (hard, soft, generative), each in [0, 100], not all 0
   */
  'weights'?: (_refdiff_worker_v1_FusionWeights | null);
  /**
   * side of the padded square fed to SD: a multiple of 64 in [64, 2048]
   */
  'imageSize'?: (number);
  /**
   * DDIM steps in [2, 1000]; floor(strength * steps) UNet passes must be 1..8
   */
  'steps'?: (number);
  /**
   * in (0, 1)
   */
  'strength'?: (number | string);
  /**
   * in [1, 50]
   */
  'guidanceScale'?: (number | string);
  /**
   * 1, 2, 4 or 8
   */
  'attentionLevel'?: (number);
  'attentionKind'?: (_refdiff_worker_v1_AttentionKind);
  /**
   * in [1, 1000]
   */
  'topK'?: (number);
  /**
   * pixels; overrides min_area_ratio
   */
  'minArea'?: (number);
  'positionalBias'?: (_refdiff_worker_v1_PositionalBias);
  'thresholdMode'?: (_refdiff_worker_v1_ThresholdMode);
  /**
   * proposals of at most this share of the image area are filtered, in [0, 1) (when min_area is absent)
   */
  'minAreaRatio'?: (number | string);
  /**
   * the branch the positional bias multiplies
   */
  'biasBranch'?: (_refdiff_worker_v1_DiscriminativeBranch);
  /**
   * text targets of the hard and soft branches: weights of (sentence, root word), each in [0, 1], not both 0
   */
  'hardText'?: (_refdiff_worker_v1_TextWeights | null);
  'softText'?: (_refdiff_worker_v1_TextWeights | null);
  /**
   * fusion family: PRESET_PAPER (alpha, beta) or PRESET_REFERENCE (weights)
   */
  'fusion'?: (_refdiff_worker_v1_Preset);
  'clipResolution'?: (_refdiff_worker_v1_ClipResolution);
  /**
   * longest side of a full-resolution CLIP input, in [the pack's CLIP size, 4096]
   */
  'clipMaxSide'?: (number);
  /**
   * CLIP layer the soft branch reads: 1-based, negative from the end (-1 = last)
   */
  'maskedLayer'?: (number);
  '_alpha'?: "alpha";
  '_beta'?: "beta";
  '_imageSize'?: "imageSize";
  '_steps'?: "steps";
  '_strength'?: "strength";
  '_guidanceScale'?: "guidanceScale";
  '_attentionLevel'?: "attentionLevel";
  '_topK'?: "topK";
  '_minArea'?: "minArea";
  '_minAreaRatio'?: "minAreaRatio";
  '_clipMaxSide'?: "clipMaxSide";
  '_maskedLayer'?: "maskedLayer";
}

/**
 * Every field is checked by the one validation shared with the gateway and the CLI (checkSegmentOptions in
 * @refdiff/pipeline); bounds and each preset's values: docs/options.md. A bad value fails the call with
 * INVALID_ARGUMENT naming the field (e.g. `options.overrides.steps: …`) before it is queued.
 */
export interface Overrides__Output {
  /**
   * paper fusion: s = alpha * s_G + (1 - alpha) * s_D, in [0, 1]
   */
  'alpha'?: (number);
  /**
   * paper discriminative mix, in [0, 1]
   */
  'beta'?: (number);
  /**
   * reference fusion weights (hard, soft, generative), each in [0, 100], not all 0
   */
  'weights': (_refdiff_worker_v1_FusionWeights__Output | null);
  /**
   * side of the padded square fed to SD: a multiple of 64 in [64, 2048]
   */
  'imageSize'?: (number);
  /**
   * DDIM steps in [2, 1000]; floor(strength * steps) UNet passes must be 1..8
   */
  'steps'?: (number);
  /**
   * in (0, 1)
   */
  'strength'?: (number);
  /**
   * in [1, 50]
   */
  'guidanceScale'?: (number);
  /**
   * 1, 2, 4 or 8
   */
  'attentionLevel'?: (number);
  'attentionKind': (_refdiff_worker_v1_AttentionKind__Output);
  /**
   * in [1, 1000]
   */
  'topK'?: (number);
  /**
   * pixels; overrides min_area_ratio
   */
  'minArea'?: (number);
  'positionalBias': (_refdiff_worker_v1_PositionalBias__Output);
  'thresholdMode': (_refdiff_worker_v1_ThresholdMode__Output);
  /**
   * proposals of at most this share of the image area are filtered, in [0, 1) (when min_area is absent)
   */
  'minAreaRatio'?: (number);
  /**
   * the branch the positional bias multiplies
   */
  'biasBranch': (_refdiff_worker_v1_DiscriminativeBranch__Output);
  /**
   * text targets of the hard and soft branches: weights of (sentence, root word), each in [0, 1], not both 0
   */
  'hardText': (_refdiff_worker_v1_TextWeights__Output | null);
  'softText': (_refdiff_worker_v1_TextWeights__Output | null);
  /**
   * fusion family: PRESET_PAPER (alpha, beta) or PRESET_REFERENCE (weights)
   */
  'fusion': (_refdiff_worker_v1_Preset__Output);
  'clipResolution': (_refdiff_worker_v1_ClipResolution__Output);
  /**
   * longest side of a full-resolution CLIP input, in [the pack's CLIP size, 4096]
   */
  'clipMaxSide'?: (number);
  /**
   * CLIP layer the soft branch reads: 1-based, negative from the end (-1 = last)
   */
  'maskedLayer'?: (number);
  '_alpha'?: "alpha";
  '_beta'?: "beta";
  '_imageSize'?: "imageSize";
  '_steps'?: "steps";
  '_strength'?: "strength";
  '_guidanceScale'?: "guidanceScale";
  '_attentionLevel'?: "attentionLevel";
  '_topK'?: "topK";
  '_minArea'?: "minArea";
  '_minAreaRatio'?: "minAreaRatio";
  '_clipMaxSide'?: "clipMaxSide";
  '_maskedLayer'?: "maskedLayer";
}
