// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { Long } from '@grpc/proto-loader';

export interface CacheStats {
  'entries'?: (number);
  'bytes'?: (number | string | Long);
  'capacityBytes'?: (number | string | Long);
  'hits'?: (number | string | Long);
  'misses'?: (number | string | Long);
}

export interface CacheStats__Output {
  'entries': (number);
  'bytes': (number);
  'capacityBytes': (number);
  'hits': (number);
  'misses': (number);
}
