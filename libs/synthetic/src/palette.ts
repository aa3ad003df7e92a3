/** The colours of the synthetic world (sRGB, 0..255). Chosen so that every pair is ≥ 86 apart (Euclidean). */
export const COLOR_NAMES = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'black'] as const;
export type ColorName = (typeof COLOR_NAMES)[number];

export type Rgb = readonly [number, number, number];

export const COLORS: Readonly<Record<ColorName, Rgb>> = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 90, 220],
  yellow: [235, 215, 40],
  purple: [140, 60, 180],
  orange: [245, 130, 30],
  white: [245, 245, 245],
  black: [30, 30, 30],
};

/** Neutral grey background. */
export const BACKGROUND: Rgb = [128, 128, 128];

export const SHAPE_KINDS = ['circle', 'square', 'triangle'] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];
