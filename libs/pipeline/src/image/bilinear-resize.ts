import { assertLength, assertPositiveInt } from '../errors/pipeline.errors';

/**
 * Two-tap linear interpolation weights along one axis, exactly as torch `F.interpolate(mode='bilinear',
 * align_corners=False)` without antialias computes them from a target size: src = (dst + 0.5)·in/out − 0.5,
 * clamped at 0; taps floor(src) and min(floor(src)+1, in−1). Upsampling and downsampling alike (no antialias).
 */
export interface LinearTaps {
  readonly inSize: number;
  readonly outSize: number;
  /** first tap per output index */
  readonly i0: Int32Array;
  /** second tap per output index (equals i0 at the far edge) */
  readonly i1: Int32Array;
  /** weight of the second tap; the first gets 1 − w1 */
  readonly w1: Float32Array;
}

export function linearTaps(inSize: number, outSize: number): LinearTaps {
  assertPositiveInt('input size', inSize);
  assertPositiveInt('output size', outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  // torch computes the scale in float (area_pixel_compute_scale) and the source index in float32
  const scale = Math.fround(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    let src = Math.fround(Math.fround(scale * (d + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const f = Math.min(Math.floor(src), inSize - 1);
    i0[d] = f;
    i1[d] = f < inSize - 1 ? f + 1 : f;
    w1[d] = Math.fround(src - f);
  }
  return { inSize, outSize, i0, i1, w1 };
}

/**
 * Bilinear resize of `channels` planes [C, inH, inW] → [C, outH, outW] (row-major), torch-compatible
 * (align_corners=False, half-pixel, no antialias). Separable: rows first into a scratch buffer, then columns.
 * Matches torch to float32 rounding (~1e-6 relative).
 */
export function resizeBilinear(
  src: Float32Array,
  channels: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
): Float32Array {
  assertPositiveInt('channels', channels);
  assertPositiveInt('input height', inH);
  assertPositiveInt('input width', inW);
  assertPositiveInt('output height', outH);
  assertPositiveInt('output width', outW);
  assertLength('resize input', src.length, channels * inH * inW, `[${channels}, ${inH}, ${inW}]`);
  const tx = linearTaps(inW, outW);
  const ty = linearTaps(inH, outH);
  const out = new Float32Array(channels * outH * outW);
  const rows = new Float32Array(inH * outW);
  for (let c = 0; c < channels; c++) {
    const base = c * inH * inW;
    // horizontal pass: [inH, outW]
    for (let y = 0; y < inH; y++) {
      const s = base + y * inW;
      const r = y * outW;
      for (let x = 0; x < outW; x++) {
        const w = tx.w1[x];
        const a = src[s + tx.i0[x]];
        rows[r + x] = a + w * (src[s + tx.i1[x]] - a);
      }
    }
    // vertical pass
    const obase = c * outH * outW;
    for (let y = 0; y < outH; y++) {
      const w = ty.w1[y];
      const r0 = ty.i0[y] * outW;
      const r1 = ty.i1[y] * outW;
      const o = obase + y * outW;
      for (let x = 0; x < outW; x++) {
        const a = rows[r0 + x];
        out[o + x] = a + w * (rows[r1 + x] - a);
      }
    }
  }
  return out;
}
