// Original file: ../../proto/refdiff/worker/v1/worker.proto


/**
 * Inclusive pixel box [x0, y0, x1, y1].
 */
export interface Box {
  'x0'?: (number);
  'y0'?: (number);
  'x1'?: (number);
  'y1'?: (number);
}

/**
 * Inclusive pixel box [x0, y0, x1, y1].
 */
export interface Box__Output {
  'x0': (number);
  'y0': (number);
  'x1': (number);
  'y1': (number);
}
