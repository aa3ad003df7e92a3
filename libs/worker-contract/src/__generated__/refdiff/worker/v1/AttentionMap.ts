// Original file: ../../proto/refdiff/worker/v1/worker.proto


/**
 * [height, width] row-major float32 little-endian values in [0, 1].
 */
export interface AttentionMap {
  'width'?: (number);
  'height'?: (number);
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * [height, width] row-major float32 little-endian values in [0, 1].
 */
export interface AttentionMap__Output {
  'width': (number);
  'height': (number);
  'data': (Buffer);
}
