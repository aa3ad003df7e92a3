// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type { ExpressionResult as _refdiff_worker_v1_ExpressionResult, ExpressionResult__Output as _refdiff_worker_v1_ExpressionResult__Output } from '../../../refdiff/worker/v1/ExpressionResult';
import type { ExpressionError as _refdiff_worker_v1_ExpressionError, ExpressionError__Output as _refdiff_worker_v1_ExpressionError__Output } from '../../../refdiff/worker/v1/ExpressionError';

export interface ExpressionOutcome {
  'expression'?: (string);
  'result'?: (_refdiff_worker_v1_ExpressionResult | null);
  'error'?: (_refdiff_worker_v1_ExpressionError | null);
  'outcome'?: "result"|"error";
}

export interface ExpressionOutcome__Output {
  'expression': (string);
  'result'?: (_refdiff_worker_v1_ExpressionResult__Output | null);
  'error'?: (_refdiff_worker_v1_ExpressionError__Output | null);
  'outcome'?: "result"|"error";
}
