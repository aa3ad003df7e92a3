// Original file: ../../proto/refdiff/worker/v1/worker.proto

export const Preset = {
  /**
   * the worker's default: reference
   */
  PRESET_UNSPECIFIED: 'PRESET_UNSPECIFIED',
  /**
   * Ni et al. 2023 as written
   */
  PRESET_PAPER: 'PRESET_PAPER',
  /**
   * the authors' released code, bugs fixed
   */
  PRESET_REFERENCE: 'PRESET_REFERENCE',
} as const;

export type Preset =
  /**
   * the worker's default: reference
   */
  | 'PRESET_UNSPECIFIED'
  | 0
  /**
   * Ni et al. 2023 as written
   */
  | 'PRESET_PAPER'
  | 1
  /**
   * the authors' released code, bugs fixed
   */
  | 'PRESET_REFERENCE'
  | 2

export type Preset__Output = typeof Preset[keyof typeof Preset]
