// Original file: ../../proto/refdiff/worker/v1/worker.proto


export interface TextWeights {
  'sentence'?: (number | string);
  'root'?: (number | string);
}

export interface TextWeights__Output {
  'sentence': (number);
  'root': (number);
}
