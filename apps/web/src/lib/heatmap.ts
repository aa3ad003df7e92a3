/**
 * The attention heat map: the API's 8-bit grayscale PNG of the attention map c (0 = no attention, 255 = most)
 * colour-mapped for reading. The ramp is piecewise linear through five stops (dark blue → violet → red → orange →
 * pale yellow), monotone in lightness so it still reads in grayscale and for colour-blind users.
 */
const STOPS: readonly [number, number, number][] = [
  [13, 8, 135],
  [126, 3, 168],
  [204, 71, 120],
  [248, 149, 64],
  [240, 249, 33],
];

/** The colour of an attention value 0…255. */
export function heatColor(v: number): [number, number, number] {
  const t = (Math.min(255, Math.max(0, v)) / 255) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** Colour-maps a grayscale image (its red channel is the value) into an opaque RGBA image of the same size. */
export function heatmapImage(gray: ImageData): ImageData {
  const out = new ImageData(gray.width, gray.height);
  for (let i = 0; i < gray.width * gray.height; i++) {
    const [r, g, b] = heatColor(gray.data[i * 4]);
    out.data[i * 4] = r;
    out.data[i * 4 + 1] = g;
    out.data[i * 4 + 2] = b;
    out.data[i * 4 + 3] = 255;
  }
  return out;
}

/** CSS gradient of the ramp, for the legend. */
export const HEAT_GRADIENT = `linear-gradient(to right, ${STOPS.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`).join(', ')})`;
