/** Overlay colours, one per expression, distinct for common colour blindness (Okabe–Ito palette). */
export const OVERLAY_COLORS: readonly [number, number, number][] = [
  [0, 114, 178],
  [230, 159, 0],
  [0, 158, 115],
  [204, 121, 167],
  [213, 94, 0],
  [86, 180, 233],
  [240, 228, 66],
];

export function overlayColor(i: number): [number, number, number] {
  return OVERLAY_COLORS[i % OVERLAY_COLORS.length];
}

export function cssColor([r, g, b]: readonly number[], alpha = 1): string {
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
