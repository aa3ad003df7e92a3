// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { Rle as _refdiff_worker_v1_Rle, Rle__Output as _refdiff_worker_v1_Rle__Output } from '../../../refdiff/worker/v1/Rle';
import type { Box as _refdiff_worker_v1_Box, Box__Output as _refdiff_worker_v1_Box__Output } from '../../../refdiff/worker/v1/Box';

export interface Mask {
  'rle'?: (_refdiff_worker_v1_Rle | null);
  'bbox'?: (_refdiff_worker_v1_Box | null);
  'area'?: (number);
}

export interface Mask__Output {
  'rle': (_refdiff_worker_v1_Rle__Output | null);
  'bbox': (_refdiff_worker_v1_Box__Output | null);
  'area': (number);
}
