// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { CacheStats as _refdiff_worker_v1_CacheStats, CacheStats__Output as _refdiff_worker_v1_CacheStats__Output } from '../../../refdiff/worker/v1/CacheStats';
import type { PackLimits as _refdiff_worker_v1_PackLimits, PackLimits__Output as _refdiff_worker_v1_PackLimits__Output } from '../../../refdiff/worker/v1/PackLimits';

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
  /**
   * What option and expression checks need to know about the pack (absent while the pack has none to tell).
   */
  'packLimits'?: (_refdiff_worker_v1_PackLimits | null);
  /**
   * longest expression in Unicode code points
   */
  'maxExpressionChars'?: (number);
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
  /**
   * What option and expression checks need to know about the pack (absent while the pack has none to tell).
   */
  'packLimits': (_refdiff_worker_v1_PackLimits__Output | null);
  /**
   * longest expression in Unicode code points
   */
  'maxExpressionChars': (number);
}
