// Original file: ../../proto/refdiff/worker/v1/worker.proto

export const ClipResolution = {
  /**
   * the pack's best: FULL when its CLIP takes any size, else FIXED
   */
  CLIP_RESOLUTION_UNSPECIFIED: 'CLIP_RESOLUTION_UNSPECIFIED',
  CLIP_RESOLUTION_FULL: 'CLIP_RESOLUTION_FULL',
  CLIP_RESOLUTION_FIXED: 'CLIP_RESOLUTION_FIXED',
} as const;

export type ClipResolution =
  /**
   * the pack's best: FULL when its CLIP takes any size, else FIXED
   */
  | 'CLIP_RESOLUTION_UNSPECIFIED'
  | 0
  | 'CLIP_RESOLUTION_FULL'
  | 1
  | 'CLIP_RESOLUTION_FIXED'
  | 2

export type ClipResolution__Output = typeof ClipResolution[keyof typeof ClipResolution]
