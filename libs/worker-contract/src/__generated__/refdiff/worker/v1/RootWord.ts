// Original file: ../../proto/refdiff/worker/v1/worker.proto


export interface RootWord {
  'index'?: (number);
  'word'?: (string);
}

export interface RootWord__Output {
  'index': (number);
  'word': (string);
}
