// Original file: ../../proto/refdiff/worker/v1/worker.proto


export interface FusionWeights {
  'hard'?: (number | string);
  'soft'?: (number | string);
  'generative'?: (number | string);
}

export interface FusionWeights__Output {
  'hard': (number);
  'soft': (number);
  'generative': (number);
}
