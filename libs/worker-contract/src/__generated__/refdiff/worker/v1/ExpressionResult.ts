// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { Mask as _refdiff_worker_v1_Mask, Mask__Output as _refdiff_worker_v1_Mask__Output } from '../../../refdiff/worker/v1/Mask';
import type { ProposalScore as _refdiff_worker_v1_ProposalScore, ProposalScore__Output as _refdiff_worker_v1_ProposalScore__Output } from '../../../refdiff/worker/v1/ProposalScore';
import type { RootWord as _refdiff_worker_v1_RootWord, RootWord__Output as _refdiff_worker_v1_RootWord__Output } from '../../../refdiff/worker/v1/RootWord';
import type { Direction as _refdiff_worker_v1_Direction, Direction__Output as _refdiff_worker_v1_Direction__Output } from '../../../refdiff/worker/v1/Direction';
import type { AttentionMap as _refdiff_worker_v1_AttentionMap, AttentionMap__Output as _refdiff_worker_v1_AttentionMap__Output } from '../../../refdiff/worker/v1/AttentionMap';

export interface ExpressionResult {
  'mask'?: (_refdiff_worker_v1_Mask | null);
  /**
   * index into proposals
   */
  'chosen'?: (number);
  'score'?: (number | string);
  'proposals'?: (_refdiff_worker_v1_ProposalScore)[];
  'root'?: (_refdiff_worker_v1_RootWord | null);
  'directions'?: (_refdiff_worker_v1_Direction)[];
  'timingsMs'?: ({[key: string]: number | string});
  /**
   * only with SegmentOptions.return_attention
   */
  'attention'?: (_refdiff_worker_v1_AttentionMap | null);
}

export interface ExpressionResult__Output {
  'mask': (_refdiff_worker_v1_Mask__Output | null);
  /**
   * index into proposals
   */
  'chosen': (number);
  'score': (number);
  'proposals': (_refdiff_worker_v1_ProposalScore__Output)[];
  'root': (_refdiff_worker_v1_RootWord__Output | null);
  'directions': (_refdiff_worker_v1_Direction__Output)[];
  'timingsMs': ({[key: string]: number});
  /**
   * only with SegmentOptions.return_attention
   */
  'attention': (_refdiff_worker_v1_AttentionMap__Output | null);
}
