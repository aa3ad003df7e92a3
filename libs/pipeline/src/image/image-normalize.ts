import { PipelineError } from '../errors/pipeline.errors';
import { assertRgbImage, type RgbImage } from './rgb-image';

/** [1, 3, H, W] planar float pixels from interleaved RGB: (v·scale − mean[c]) / std[c]. */
function toPlanar(
  image: RgbImage,
  scale: number,
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
): Float32Array {
  assertRgbImage('image', image);
  for (let c = 0; c < 3; c++) {
    if (!(std[c] > 0)) throw new PipelineError('INVALID_VALUE', `std[${c}] must be > 0, got ${std[c]}`);
  }
  const n = image.width * image.height;
  const out = new Float32Array(3 * n);
  writePlanar(image, scale, mean, std, out, image.width, image.height);
  return out;
}

/**
 * The normalised value of every byte, per channel: [3 × 256], entry c·256 + v = (v·scale − mean[c]) / std[c] as
 * float32. A value depends only on the byte and the channel, so the table holds exactly the float32 the formula
 * rounds to.
 * @internal
 */
export function normalizeTable(
  scale: number,
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
): Float32Array {
  const lut = new Float32Array(768);
  for (let c = 0; c < 3; c++) {
    const m = mean[c];
    const inv = 1 / std[c];
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v * scale - m) * inv;
  }
  return lut;
}

/**
 * Writes (v·scale − mean[c]) / std[c] of each pixel into `out` viewed as [3, outH, outW] (top-left; the rest is left
 * as it is), through normalizeTable, the three planes written side by side in one pass.
 * @internal
 */
export function writePlanar(
  image: RgbImage,
  scale: number,
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
  out: Float32Array,
  outW: number,
  outH: number,
): void {
  const lut = normalizeTable(scale, mean, std);
  const { width: W, height: H, data } = image;
  const plane = outW * outH;
  // rows of the image are rows of `out` (no padding on the right): one run over all pixels
  const rows = outW === W ? 1 : H;
  const run = outW === W ? W * H : W;
  for (let y = 0; y < rows; y++) {
    const o0 = y * outW;
    const o1 = o0 + plane;
    const o2 = o1 + plane;
    for (let x = 0, s = y * W * 3; x < run; x++, s += 3) {
      out[o0 + x] = lut[data[s]];
      out[o1 + x] = lut[256 + data[s + 1]];
      out[o2 + x] = lut[512 + data[s + 2]];
    }
  }
}

/** Stable Diffusion VAE input: x/127.5 − 1 ∈ [−1, 1], [1, 3, H, W]. */
export function toSdPixels(image: RgbImage): Float32Array {
  return toPlanar(image, 1 / 127.5, [1, 1, 1], [1, 1, 1]);
}

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** CLIP input: (x/255 − mean)/std, [1, 3, H, W]. */
export function toClipPixels(
  image: RgbImage,
  mean: readonly [number, number, number] = CLIP_MEAN,
  std: readonly [number, number, number] = CLIP_STD,
): Float32Array {
  return toPlanar(image, 1 / 255, mean, std);
}

export const SAM_MEAN = [123.675, 116.28, 103.53] as const;
export const SAM_STD = [58.395, 57.12, 57.375] as const;

/** SAM normalisation on 0..255 values, [1, 3, H, W] (before padding). */
export function toSamPixels(
  image: RgbImage,
  mean: readonly [number, number, number] = SAM_MEAN,
  std: readonly [number, number, number] = SAM_STD,
): Float32Array {
  return toPlanar(image, 1, mean, std);
}
