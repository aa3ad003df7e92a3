import { assertLength, PipelineError } from '../errors/pipeline.errors';
import { resizeImage } from '../image/image-resize';
import { normalizeTable } from '../image/image-normalize';
import { resizePilBilinear, resizePilBilinearPlanar } from '../image/pil-resample';
import { padToSquare } from '../image/square-pad';
import { assertRgbImage, type RgbImage } from '../image/rgb-image';
import { resizePilBilinearPlanarWasm } from '../image/wasm/pil-resize-kernel';
import { maskBox } from '../masks/binary-mask';
import type { PositionalBiasAxes } from './positional-bias';

/**
 * The "hard" CLIP input f(x ⊙ P ⊙ M): pixels × bias × mask (black outside), truncated to 8 bits as numpy's
 * astype(uint8) does, cropped to the mask's tight box, then
 * - `short-side` (reference: torchvision Resize(224) on a PIL image = PIL's bilinear with its antialiasing, here
 *   the bit-exact port of it) → short side = size, aspect kept, no centre crop; `maxSide` caps the long side (the
 *   whole crop scaled down, aspect kept) — the reference has no cap;
 * - `padded-square`: the crop centred on a black square, resized to size×size (bicubic) — what a fixed-size
 *   224 encoder takes.
 * An empty mask has no box → EMPTY_MASK. `box`: the mask's tight box (maskBox) when the caller already has it (SAM's
 * and the weight-free proposals come with theirs), which saves a scan of the whole mask.
 */
export type ClipCropMode = 'short-side' | 'padded-square';

export interface ClipCropOptions {
  bias?: Float32Array;
  /** P by its axes instead of `bias` (positionalBiasAxes): the same values, read only inside the box */
  biasAxes?: PositionalBiasAxes;
  mode?: ClipCropMode;
  size?: number;
  maxSide?: number;
  box?: readonly [number, number, number, number];
}

/**
 * The region before any resize, and the size `short-side` resizes it to (the padded square: size × size).
 * maskedClipCrop = this, then the resize; the hard branch resizes the region itself, straight into its batch
 * (hardCropInto).
 */
export interface ClipCropPlan {
  /** x ⊙ P ⊙ M cropped to the mask's box, 8 bits */
  readonly region: RgbImage;
  readonly mode: ClipCropMode;
  readonly width: number;
  readonly height: number;
}

export function planClipCrop(image: RgbImage, mask: Uint8Array, options: ClipCropOptions = {}): ClipCropPlan {
  assertRgbImage('image', image);
  const { width: W, height: H } = image;
  assertLength('mask', mask.length, W * H, `[${H}, ${W}]`);
  if (options.bias) assertLength('positional bias', options.bias.length, W * H, `[${H}, ${W}]`);
  if (options.biasAxes) {
    if (options.bias) throw new PipelineError('INVALID_VALUE', 'give the positional bias as a map or by its axes, not both');
    assertLength('positional bias x axis', options.biasAxes.x.length, W, `[${W}]`);
    assertLength('positional bias y axis', options.biasAxes.y.length, H, `[${H}]`);
  }
  const size = options.size ?? 224;
  const mode = options.mode ?? 'short-side';
  if (mode !== 'short-side' && mode !== 'padded-square') {
    throw new PipelineError('INVALID_VALUE', `CLIP crop mode must be 'short-side' or 'padded-square', got ${String(mode)}`);
  }
  const box = options.box ?? maskBox(mask, W, H);
  if (options.box) {
    const [a, b, c, d] = options.box;
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0 && c < W && d < H && a <= c && b <= d)) {
      throw new PipelineError('INVALID_VALUE', `box [${options.box.join(', ')}] does not lie inside the ${W}×${H} image`);
    }
  }
  if (!box) throw new PipelineError('EMPTY_MASK', `mask of ${W}×${H} has no pixel set; cannot crop a CLIP region`);
  const [x0, y0, x1, y1] = box;
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const crop = new Uint8Array(cw * ch * 3);
  const bias = options.bias;
  const data = image.data;
  const axes = options.biasAxes;
  if (axes) {
    // P[y, x] = fround(P_y · P_x), as positionalBias stores it
    const ax = axes.x;
    for (let y = 0; y < ch; y++) {
      const row = (y + y0) * W + x0;
      const fy = axes.y[y + y0];
      for (let x = 0; x < cw; x++) {
        const i = row + x;
        if (!mask[i]) continue;
        const o = (y * cw + x) * 3;
        const s = i * 3;
        const f = Math.fround(fy * ax[x + x0]);
        crop[o] = Math.floor(data[s] * f);
        crop[o + 1] = Math.floor(data[s + 1] * f);
        crop[o + 2] = Math.floor(data[s + 2] * f);
      }
    }
  }
  for (let y = 0; y < (axes ? 0 : ch); y++) {
    const row = (y + y0) * W + x0;
    for (let x = 0; x < cw; x++) {
      const i = row + x;
      if (!mask[i]) continue;
      const o = (y * cw + x) * 3;
      const s = i * 3;
      if (bias) {
        const f = bias[i];
        crop[o] = Math.floor(data[s] * f);
        crop[o + 1] = Math.floor(data[s + 1] * f);
        crop[o + 2] = Math.floor(data[s + 2] * f);
      } else {
        crop[o] = data[s];
        crop[o + 1] = data[s + 1];
        crop[o + 2] = data[s + 2];
      }
    }
  }
  const region: RgbImage = { width: cw, height: ch, data: crop };
  if (mode === 'padded-square') return { region, mode, width: size, height: size };
  // torchvision Resize(int): the short side becomes `size`, the long side int(size·long/short)
  let w = cw <= ch ? size : Math.floor((size * cw) / ch);
  let h = cw <= ch ? Math.floor((size * ch) / cw) : size;
  // a product cap (not in the reference): a long, thin crop would make thousands of CLIP tokens
  const maxSide = options.maxSide ?? Infinity;
  if (Math.max(w, h) > maxSide) {
    const k = maxSide / Math.max(w, h);
    w = Math.max(1, Math.min(maxSide, Math.round(w * k)));
    h = Math.max(1, Math.min(maxSide, Math.round(h * k)));
  }
  return { region, mode, width: w, height: h };
}

export async function maskedClipCrop(image: RgbImage, mask: Uint8Array, options: ClipCropOptions = {}): Promise<RgbImage> {
  const plan = planClipCrop(image, mask, options);
  if (plan.mode === 'short-side') return resizePilBilinear(plan.region, plan.width, plan.height);
  return resizeImage(padToSquare(plan.region).image, plan.width, plan.height, 'cubic');
}

/** How crop pixels become CLIP input: (v·scale − mean[c]) / std[c], and the same as a table (normalizeTable). */
export interface CropNormalization {
  readonly scale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** normalizeTable(scale, mean, std) */
  readonly lut: Float32Array;
}

export function cropNormalization(scale: number, mean: readonly [number, number, number], std: readonly [number, number, number]): CropNormalization {
  return { scale, mean, std, lut: normalizeTable(scale, mean, std) };
}

/**
 * A planned crop resized and normalised into `out` as [3, height, width]: the values toClipPixels(maskedClipCrop(…))
 * gives, without the resized image or a per-crop tensor (short-side: the PIL resize mapped straight into planes, in
 * WebAssembly SIMD where the runtime has it (pil-resize.wat, the same float32 bits) unless `simd: false`;
 * padded-square: the bicubic square, then the table).
 */
export async function hardCropInto(plan: ClipCropPlan, norm: CropNormalization, out: Float32Array, options: { simd?: boolean } = {}): Promise<void> {
  if (out.length !== 3 * plan.width * plan.height) {
    throw new PipelineError('INVALID_SHAPE', `out holds ${out.length} values; a ${plan.width}×${plan.height} crop needs ${3 * plan.width * plan.height}`);
  }
  const lut = norm.lut;
  if (plan.mode === 'short-side') {
    const { width: w, height: h } = plan;
    const done = options.simd !== false && resizePilBilinearPlanarWasm(plan.region, w, h, norm.scale, norm.mean, norm.std, out, w, h);
    if (!done) resizePilBilinearPlanar(plan.region, w, h, lut, out, w, h);
    return;
  }
  const img = await resizeImage(padToSquare(plan.region).image, plan.width, plan.height, 'cubic');
  const n = plan.width * plan.height;
  const d = img.data;
  for (let i = 0, s = 0; i < n; i++, s += 3) {
    out[i] = lut[d[s]];
    out[n + i] = lut[256 + d[s + 1]];
    out[2 * n + i] = lut[512 + d[s + 2]];
  }
}
