// Original file: ../../proto/refdiff/worker/v1/worker.proto


export interface ImageInfo {
  'width'?: (number);
  'height'?: (number);
  'sha256'?: (string);
}

export interface ImageInfo__Output {
  'width': (number);
  'height': (number);
  'sha256': (string);
}
