// Original file: ../../proto/refdiff/worker/v1/worker.proto

export const PositionalBias = {
  POSITIONAL_BIAS_UNSPECIFIED: 'POSITIONAL_BIAS_UNSPECIFIED',
  POSITIONAL_BIAS_RAMP: 'POSITIONAL_BIAS_RAMP',
  POSITIONAL_BIAS_SOFT: 'POSITIONAL_BIAS_SOFT',
  POSITIONAL_BIAS_OFF: 'POSITIONAL_BIAS_OFF',
} as const;

export type PositionalBias =
  | 'POSITIONAL_BIAS_UNSPECIFIED'
  | 0
  | 'POSITIONAL_BIAS_RAMP'
  | 1
  | 'POSITIONAL_BIAS_SOFT'
  | 2
  | 'POSITIONAL_BIAS_OFF'
  | 3

export type PositionalBias__Output = typeof PositionalBias[keyof typeof PositionalBias]
