// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { CacheStats as _refdiff_worker_v1_CacheStats, CacheStats__Output as _refdiff_worker_v1_CacheStats__Output } from '../../../refdiff/worker/v1/CacheStats';

export interface GetInfoResponse {
  'packName'?: (string);
  'packChecksum'?: (string);
  'executionProvider'?: (string);
  /**
   * requests run at once
   */
  'maxConcurrent'?: (number);
  /**
   * requests that may wait for a slot; beyond it RESOURCE_EXHAUSTED
   */
  'maxQueue'?: (number);
  'queueDepth'?: (number);
  'inFlight'?: (number);
  'cache'?: (_refdiff_worker_v1_CacheStats | null);
  'version'?: (string);
  'maxExpressions'?: (number);
  'maxImageBytes'?: (number);
  'maxMessageBytes'?: (number);
}

export interface GetInfoResponse__Output {
  'packName': (string);
  'packChecksum': (string);
  'executionProvider': (string);
  /**
   * requests run at once
   */
  'maxConcurrent': (number);
  /**
   * requests that may wait for a slot; beyond it RESOURCE_EXHAUSTED
   */
  'maxQueue': (number);
  'queueDepth': (number);
  'inFlight': (number);
  'cache': (_refdiff_worker_v1_CacheStats__Output | null);
  'version': (string);
  'maxExpressions': (number);
  'maxImageBytes': (number);
  'maxMessageBytes': (number);
}
