// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { DirectionCue as _refdiff_worker_v1_DirectionCue, DirectionCue__Output as _refdiff_worker_v1_DirectionCue__Output } from '../../../refdiff/worker/v1/DirectionCue';

export interface Direction {
  'cue'?: (_refdiff_worker_v1_DirectionCue);
  'index'?: (number);
}

export interface Direction__Output {
  'cue': (_refdiff_worker_v1_DirectionCue__Output);
  'index': (number);
}
