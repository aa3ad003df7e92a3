import sharp from 'sharp';
import { assertImageSize, assertLength } from '../errors/pipeline.errors';
import { assertRgbImage, type RgbImage } from '../image/rgb-image';

/** PNG of a mask: 8-bit grey, 255 inside, 0 outside. */
export async function encodeMaskPng(mask: Uint8Array, width: number, height: number): Promise<Buffer> {
  assertImageSize(width, height);
  assertLength('mask', mask.length, width * height, `[${height}, ${width}]`);
  const grey = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) grey[i] = mask[i] ? 255 : 0;
  return sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

export interface OverlayOptions {
  /** RGB 0..255; default a saturated red */
  readonly color?: readonly [number, number, number];
  /** blend weight of the colour inside the mask, default 0.5 */
  readonly alpha?: number;
  /** draw the mask's boundary pixels in the full colour */
  readonly outline?: boolean;
}

/** Blends `color` into the image inside the mask (optionally outlining it) → RGB pixels. */
export function overlayMask(image: RgbImage, mask: Uint8Array, options: OverlayOptions = {}): RgbImage {
  assertRgbImage('image', image);
  const { width: W, height: H } = image;
  assertLength('mask', mask.length, W * H, `[${H}, ${W}]`);
  const color = options.color ?? [255, 0, 64];
  const alpha = options.alpha ?? 0.5;
  const out = Uint8Array.from(image.data);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (!mask[i]) continue;
      const edge =
        options.outline === true &&
        (x === 0 || y === 0 || x === W - 1 || y === H - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - W] || !mask[i + W]);
      for (let c = 0; c < 3; c++) {
        out[i * 3 + c] = edge ? color[c] : Math.round(image.data[i * 3 + c] * (1 - alpha) + color[c] * alpha);
      }
    }
  }
  return { width: W, height: H, data: out };
}

/** PNG of the image with the mask overlaid. */
export async function encodeOverlayPng(image: RgbImage, mask: Uint8Array, options: OverlayOptions = {}): Promise<Buffer> {
  const o = overlayMask(image, mask, options);
  return sharp(o.data, { raw: { width: o.width, height: o.height, channels: 3 } }).png().toBuffer();
}
