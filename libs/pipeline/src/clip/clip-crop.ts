import { assertLength, PipelineError } from '../errors/pipeline.errors';
import { resizeImage } from '../image/image-resize';
import { resizePilBilinear } from '../image/pil-resample';
import { assertRgbImage, type RgbImage } from '../image/rgb-image';
import { maskBox } from '../masks/binary-mask';

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

export async function maskedClipCrop(
  image: RgbImage,
  mask: Uint8Array,
  options: {
    bias?: Float32Array;
    mode?: ClipCropMode;
    size?: number;
    maxSide?: number;
    box?: readonly [number, number, number, number];
  } = {},
): Promise<RgbImage> {
  assertRgbImage('image', image);
  const { width: W, height: H } = image;
  assertLength('mask', mask.length, W * H, `[${H}, ${W}]`);
  if (options.bias) assertLength('positional bias', options.bias.length, W * H, `[${H}, ${W}]`);
  const size = options.size ?? 224;
  const mode = options.mode ?? 'short-side';
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
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const i = (y + y0) * W + (x + x0);
      if (!mask[i]) continue;
      const f = bias ? bias[i] : 1;
      const o = (y * cw + x) * 3;
      for (let c = 0; c < 3; c++) crop[o + c] = Math.floor(image.data[i * 3 + c] * f);
    }
  }
  const region: RgbImage = { width: cw, height: ch, data: crop };
  if (mode === 'short-side') {
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
    return resizePilBilinear(region, w, h);
  }
  if (mode !== 'padded-square') throw new PipelineError('INVALID_VALUE', `CLIP crop mode must be 'short-side' or 'padded-square', got ${String(mode)}`);
  const side = Math.max(cw, ch);
  const sq = new Uint8Array(side * side * 3);
  const ox = (side - cw) >> 1;
  const oy = (side - ch) >> 1;
  for (let y = 0; y < ch; y++) sq.set(crop.subarray(y * cw * 3, (y + 1) * cw * 3), ((y + oy) * side + ox) * 3);
  return resizeImage({ width: side, height: side, data: sq }, size, size, 'cubic');
}
