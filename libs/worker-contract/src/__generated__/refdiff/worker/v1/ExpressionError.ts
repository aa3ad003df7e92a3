// Original file: ../../proto/refdiff/worker/v1/worker.proto


export interface ExpressionError {
  'code'?: (string);
  'message'?: (string);
}

export interface ExpressionError__Output {
  'code': (string);
  'message': (string);
}
