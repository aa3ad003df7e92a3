// Original file: ../../proto/refdiff/worker/v1/worker.proto

export const DirectionCue = {
  DIRECTION_CUE_UNSPECIFIED: 'DIRECTION_CUE_UNSPECIFIED',
  DIRECTION_CUE_LEFT: 'DIRECTION_CUE_LEFT',
  DIRECTION_CUE_RIGHT: 'DIRECTION_CUE_RIGHT',
  DIRECTION_CUE_TOP: 'DIRECTION_CUE_TOP',
  DIRECTION_CUE_BOTTOM: 'DIRECTION_CUE_BOTTOM',
  DIRECTION_CUE_CENTER: 'DIRECTION_CUE_CENTER',
} as const;

export type DirectionCue =
  | 'DIRECTION_CUE_UNSPECIFIED'
  | 0
  | 'DIRECTION_CUE_LEFT'
  | 1
  | 'DIRECTION_CUE_RIGHT'
  | 2
  | 'DIRECTION_CUE_TOP'
  | 3
  | 'DIRECTION_CUE_BOTTOM'
  | 4
  | 'DIRECTION_CUE_CENTER'
  | 5

export type DirectionCue__Output = typeof DirectionCue[keyof typeof DirectionCue]
