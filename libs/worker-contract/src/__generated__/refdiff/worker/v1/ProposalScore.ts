// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { Box as _refdiff_worker_v1_Box, Box__Output as _refdiff_worker_v1_Box__Output } from '../../../refdiff/worker/v1/Box';

export interface ProposalScore {
  'generative'?: (number | string);
  'hard'?: (number | string);
  'soft'?: (number | string);
  /**
   * the score the argmax runs on; -Infinity for filtered proposals
   */
  'fused'?: (number | string);
  'bbox'?: (_refdiff_worker_v1_Box | null);
  'area'?: (number);
  'filtered'?: (boolean);
}

export interface ProposalScore__Output {
  'generative': (number);
  'hard': (number);
  'soft': (number);
  /**
   * the score the argmax runs on; -Infinity for filtered proposals
   */
  'fused': (number);
  'bbox': (_refdiff_worker_v1_Box__Output | null);
  'area': (number);
  'filtered': (boolean);
}
