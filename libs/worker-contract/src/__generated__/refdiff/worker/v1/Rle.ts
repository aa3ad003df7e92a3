// Original file: ../../proto/refdiff/worker/v1/worker.proto


/**
 * COCO run-length encoding in pycocotools' compressed string form (column-major runs).
 */
export interface Rle {
  'height'?: (number);
  'width'?: (number);
  'counts'?: (string);
}

/**
 * COCO run-length encoding in pycocotools' compressed string form (column-major runs).
 */
export interface Rle__Output {
  'height': (number);
  'width': (number);
  'counts': (string);
}
