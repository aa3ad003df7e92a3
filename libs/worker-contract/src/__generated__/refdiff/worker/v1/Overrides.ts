// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { FusionWeights as _refdiff_worker_v1_FusionWeights, FusionWeights__Output as _refdiff_worker_v1_FusionWeights__Output } from '../../../refdiff/worker/v1/FusionWeights';
import type { AttentionKind as _refdiff_worker_v1_AttentionKind, AttentionKind__Output as _refdiff_worker_v1_AttentionKind__Output } from '../../../refdiff/worker/v1/AttentionKind';
import type { PositionalBias as _refdiff_worker_v1_PositionalBias, PositionalBias__Output as _refdiff_worker_v1_PositionalBias__Output } from '../../../refdiff/worker/v1/PositionalBias';
import type { ThresholdMode as _refdiff_worker_v1_ThresholdMode, ThresholdMode__Output as _refdiff_worker_v1_ThresholdMode__Output } from '../../../refdiff/worker/v1/ThresholdMode';

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
   * reference fusion weights (hard, soft, generative)
   */
  'weights'?: (_refdiff_worker_v1_FusionWeights | null);
  /**
   * side of the padded square fed to SD (multiple of 64)
   */
  'imageSize'?: (number);
  'steps'?: (number);
  /**
   * in (0, 1]
   */
  'strength'?: (number | string);
  'guidanceScale'?: (number | string);
  /**
   * 1, 2, 4 or 8
   */
  'attentionLevel'?: (number);
  'attentionKind'?: (_refdiff_worker_v1_AttentionKind);
  'topK'?: (number);
  'minArea'?: (number);
  'positionalBias'?: (_refdiff_worker_v1_PositionalBias);
  'thresholdMode'?: (_refdiff_worker_v1_ThresholdMode);
  '_alpha'?: "alpha";
  '_beta'?: "beta";
  '_imageSize'?: "imageSize";
  '_steps'?: "steps";
  '_strength'?: "strength";
  '_guidanceScale'?: "guidanceScale";
  '_attentionLevel'?: "attentionLevel";
  '_topK'?: "topK";
  '_minArea'?: "minArea";
}

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
   * reference fusion weights (hard, soft, generative)
   */
  'weights': (_refdiff_worker_v1_FusionWeights__Output | null);
  /**
   * side of the padded square fed to SD (multiple of 64)
   */
  'imageSize'?: (number);
  'steps'?: (number);
  /**
   * in (0, 1]
   */
  'strength'?: (number);
  'guidanceScale'?: (number);
  /**
   * 1, 2, 4 or 8
   */
  'attentionLevel'?: (number);
  'attentionKind': (_refdiff_worker_v1_AttentionKind__Output);
  'topK'?: (number);
  'minArea'?: (number);
  'positionalBias': (_refdiff_worker_v1_PositionalBias__Output);
  'thresholdMode': (_refdiff_worker_v1_ThresholdMode__Output);
  '_alpha'?: "alpha";
  '_beta'?: "beta";
  '_imageSize'?: "imageSize";
  '_steps'?: "steps";
  '_strength'?: "strength";
  '_guidanceScale'?: "guidanceScale";
  '_attentionLevel'?: "attentionLevel";
  '_topK'?: "topK";
  '_minArea'?: "minArea";
}
