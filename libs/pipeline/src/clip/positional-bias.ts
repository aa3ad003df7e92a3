import type { DirectionCue } from '../segment/segment.types';
import { assertImageSize, PipelineError } from '../errors/pipeline.errors';

/**
 * `ramp` (reference code): along the cue's axis P goes linearly 1 → 0 over the first ⌊2/3⌋ of the pixels
 * (np.linspace(1, 0, ⌊2N/3⌋)) and is 0 beyond; mirrored for right/bottom.
 * `soft` (paper: "a soft mask, low where the object should not be"): 1 → 0 linearly over the whole axis
 * (np.linspace(1, 0, N)), never a hard zero except at the far edge pixel.
 * `center`: per axis 1 at the centre falling linearly to 0 at the edge pixels (soft) or to 0 at ⅓ of the axis away
 * from the centre line (ramp), the product of both axes.
 * Several cues multiply ("top left" = top · left). Contradicting cues (left + right) multiply too and leave the
 * middle; duplicate cues count once. No cue → all ones. → [H, W] row-major in [0, 1].
 */
export type PositionalBiasMode = 'ramp' | 'soft';

const CUES: readonly DirectionCue[] = ['left', 'right', 'top', 'bottom', 'center'];

/** np.linspace(1, 0, m) at index i (m = 1 gives 1). */
function descending(i: number, m: number): number {
  return m <= 1 ? 1 : 1 - i / (m - 1);
}

/** Profile along an axis of n pixels that is high at index 0. */
function startProfile(n: number, mode: PositionalBiasMode): Float32Array {
  const p = new Float32Array(n);
  const m = mode === 'ramp' ? Math.floor((n * 2) / 3) : n;
  for (let i = 0; i < m; i++) p[i] = descending(i, m);
  return p;
}

function centerProfile(n: number, mode: PositionalBiasMode): Float32Array {
  const p = new Float32Array(n);
  const mid = (n - 1) / 2;
  const reach = mode === 'ramp' ? n / 3 : Math.max((n - 1) / 2, 0.5);
  for (let i = 0; i < n; i++) p[i] = Math.max(0, 1 - Math.abs(i - mid) / reach);
  return p;
}

/** P's two axes: P[y, x] = fround(y[y] · x[x]) (what positionalBias stores). */
export interface PositionalBiasAxes {
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/**
 * The axes of P (see positionalBias): O(W + H), so a caller that reads P only on some pixels (the hard crops read
 * their boxes) need not make the W·H map. positionalBias(…)[y·W + x] === Math.fround(axes.y[y] · axes.x[x]).
 */
export function positionalBiasAxes(
  cues: readonly DirectionCue[],
  width: number,
  height: number,
  mode: PositionalBiasMode = 'ramp',
): PositionalBiasAxes {
  assertImageSize(width, height);
  if (mode !== 'ramp' && mode !== 'soft') {
    throw new PipelineError('INVALID_VALUE', `positional bias mode must be 'ramp' or 'soft', got ${String(mode)}`);
  }
  const px = new Float32Array(width).fill(1);
  const py = new Float32Array(height).fill(1);
  const seen = new Set<DirectionCue>();
  for (const cue of cues) {
    if (!CUES.includes(cue)) throw new PipelineError('INVALID_VALUE', `unknown direction cue '${String(cue)}'`);
    if (seen.has(cue)) continue;
    seen.add(cue);
    if (cue === 'left' || cue === 'right') {
      const p = startProfile(width, mode);
      for (let x = 0; x < width; x++) px[x] *= cue === 'left' ? p[x] : p[width - 1 - x];
    } else if (cue === 'top' || cue === 'bottom') {
      const p = startProfile(height, mode);
      for (let y = 0; y < height; y++) py[y] *= cue === 'top' ? p[y] : p[height - 1 - y];
    } else {
      const cx = centerProfile(width, mode);
      const cy = centerProfile(height, mode);
      for (let x = 0; x < width; x++) px[x] *= cx[x];
      for (let y = 0; y < height; y++) py[y] *= cy[y];
    }
  }
  return { x: px, y: py };
}

export function positionalBias(
  cues: readonly DirectionCue[],
  width: number,
  height: number,
  mode: PositionalBiasMode = 'ramp',
): Float32Array {
  const { x: px, y: py } = positionalBiasAxes(cues, width, height, mode);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const v = py[y];
    for (let x = 0; x < width; x++) out[o + x] = v * px[x];
  }
  return out;
}
