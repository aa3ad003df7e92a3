// Original file: ../../proto/refdiff/worker/v1/worker.proto

export const ThresholdMode = {
  THRESHOLD_MODE_UNSPECIFIED: 'THRESHOLD_MODE_UNSPECIFIED',
  THRESHOLD_MODE_VALUE: 'THRESHOLD_MODE_VALUE',
  THRESHOLD_MODE_QUANTILE: 'THRESHOLD_MODE_QUANTILE',
} as const;

export type ThresholdMode =
  | 'THRESHOLD_MODE_UNSPECIFIED'
  | 0
  | 'THRESHOLD_MODE_VALUE'
  | 1
  | 'THRESHOLD_MODE_QUANTILE'
  | 2

export type ThresholdMode__Output = typeof ThresholdMode[keyof typeof ThresholdMode]
