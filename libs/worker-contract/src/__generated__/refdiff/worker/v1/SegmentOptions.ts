// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { Preset as _refdiff_worker_v1_Preset, Preset__Output as _refdiff_worker_v1_Preset__Output } from '../../../refdiff/worker/v1/Preset';
import type { ProposalSource as _refdiff_worker_v1_ProposalSource, ProposalSource__Output as _refdiff_worker_v1_ProposalSource__Output } from '../../../refdiff/worker/v1/ProposalSource';
import type { Overrides as _refdiff_worker_v1_Overrides, Overrides__Output as _refdiff_worker_v1_Overrides__Output } from '../../../refdiff/worker/v1/Overrides';

export interface SegmentOptions {
  'preset'?: (_refdiff_worker_v1_Preset);
  'proposalSource'?: (_refdiff_worker_v1_ProposalSource);
  /**
   * Seed of the diffusion noise; absent = the preset's default seed.
   */
  'seed'?: (number);
  /**
   * Include the attention map of each expression (ExpressionResult.attention).
   */
  'returnAttention'?: (boolean);
  /**
   * Constants of the method; an absent field keeps the preset's value.
   */
  'overrides'?: (_refdiff_worker_v1_Overrides | null);
  '_seed'?: "seed";
}

export interface SegmentOptions__Output {
  'preset': (_refdiff_worker_v1_Preset__Output);
  'proposalSource': (_refdiff_worker_v1_ProposalSource__Output);
  /**
   * Seed of the diffusion noise; absent = the preset's default seed.
   */
  'seed'?: (number);
  /**
   * Include the attention map of each expression (ExpressionResult.attention).
   */
  'returnAttention': (boolean);
  /**
   * Constants of the method; an absent field keeps the preset's value.
   */
  'overrides': (_refdiff_worker_v1_Overrides__Output | null);
  '_seed'?: "seed";
}
