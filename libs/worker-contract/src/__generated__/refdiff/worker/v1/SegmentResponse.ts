// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { ImageInfo as _refdiff_worker_v1_ImageInfo, ImageInfo__Output as _refdiff_worker_v1_ImageInfo__Output } from '../../../refdiff/worker/v1/ImageInfo';
import type { Preset as _refdiff_worker_v1_Preset, Preset__Output as _refdiff_worker_v1_Preset__Output } from '../../../refdiff/worker/v1/Preset';
import type { ProposalSource as _refdiff_worker_v1_ProposalSource, ProposalSource__Output as _refdiff_worker_v1_ProposalSource__Output } from '../../../refdiff/worker/v1/ProposalSource';
import type { ExpressionOutcome as _refdiff_worker_v1_ExpressionOutcome, ExpressionOutcome__Output as _refdiff_worker_v1_ExpressionOutcome__Output } from '../../../refdiff/worker/v1/ExpressionOutcome';

export interface SegmentResponse {
  'image'?: (_refdiff_worker_v1_ImageInfo | null);
  'preset'?: (_refdiff_worker_v1_Preset);
  'proposalSource'?: (_refdiff_worker_v1_ProposalSource);
  /**
   * One per request expression, same order.
   */
  'results'?: (_refdiff_worker_v1_ExpressionOutcome)[];
  /**
   * Image-side stage timings in milliseconds (empty when served from the image cache).
   */
  'timingsMs'?: ({[key: string]: number | string});
  /**
   * Model calls this request made, per role.
   */
  'modelCalls'?: ({[key: string]: number});
  'imageCacheHit'?: (boolean);
  'requestId'?: (string);
}

export interface SegmentResponse__Output {
  'image': (_refdiff_worker_v1_ImageInfo__Output | null);
  'preset': (_refdiff_worker_v1_Preset__Output);
  'proposalSource': (_refdiff_worker_v1_ProposalSource__Output);
  /**
   * One per request expression, same order.
   */
  'results': (_refdiff_worker_v1_ExpressionOutcome__Output)[];
  /**
   * Image-side stage timings in milliseconds (empty when served from the image cache).
   */
  'timingsMs': ({[key: string]: number});
  /**
   * Model calls this request made, per role.
   */
  'modelCalls': ({[key: string]: number});
  'imageCacheHit': (boolean);
  'requestId': (string);
}
