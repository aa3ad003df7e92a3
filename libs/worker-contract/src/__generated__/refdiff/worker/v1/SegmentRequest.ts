// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { SegmentOptions as _refdiff_worker_v1_SegmentOptions, SegmentOptions__Output as _refdiff_worker_v1_SegmentOptions__Output } from '../../../refdiff/worker/v1/SegmentOptions';

export interface SegmentRequest {
  /**
   * The encoded image (PNG, JPEG, WebP…); at most GetInfoResponse.max_image_bytes.
   */
  'imageData'?: (Buffer | Uint8Array | string);
  /**
   * sha256 of the encoded image bytes, 64 lower-case hex digits (hash-first protocol).
   */
  'imageSha256'?: (string);
  /**
   * 1..GetInfoResponse.max_expressions referring expressions.
   */
  'expressions'?: (string)[];
  'options'?: (_refdiff_worker_v1_SegmentOptions | null);
  /**
   * The image cache's namespace: the worker keys cached images (and the hash-first lookup) by (cache_namespace,
   * sha256), so a caller serving several tenants can keep one tenant's cached images invisible to another — no
   * cache hit, no shorter timings. Empty = the shared namespace. At most 128 characters of [A-Za-z0-9_.:-].
   */
  'cacheNamespace'?: (string);
  'image'?: "imageData"|"imageSha256";
}

export interface SegmentRequest__Output {
  /**
   * The encoded image (PNG, JPEG, WebP…); at most GetInfoResponse.max_image_bytes.
   */
  'imageData'?: (Buffer);
  /**
   * sha256 of the encoded image bytes, 64 lower-case hex digits (hash-first protocol).
   */
  'imageSha256'?: (string);
  /**
   * 1..GetInfoResponse.max_expressions referring expressions.
   */
  'expressions': (string)[];
  'options': (_refdiff_worker_v1_SegmentOptions__Output | null);
  /**
   * The image cache's namespace: the worker keys cached images (and the hash-first lookup) by (cache_namespace,
   * sha256), so a caller serving several tenants can keep one tenant's cached images invisible to another — no
   * cache hit, no shorter timings. Empty = the shared namespace. At most 128 characters of [A-Za-z0-9_.:-].
   */
  'cacheNamespace': (string);
  'image'?: "imageData"|"imageSha256";
}
