/** Drawing masks on canvases: the tinted overlay users look at and the black-and-white mask they download. */
import { overlayColor } from './colors';

/** Tints `mask` pixels of `base` (RGBA, same size) with colour i at `alpha`; other pixels stay as they are. */
export function tint(base: ImageData, mask: Uint8Array, colorIndex: number, alpha = 0.55): ImageData {
  const [r, g, b] = overlayColor(colorIndex);
  const out = new ImageData(new Uint8ClampedArray(base.data), base.width, base.height);
  const d = out.data;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const o = i * 4;
    d[o] = d[o] * (1 - alpha) + r * alpha;
    d[o + 1] = d[o + 1] * (1 - alpha) + g * alpha;
    d[o + 2] = d[o + 2] * (1 - alpha) + b * alpha;
    d[o + 3] = 255;
  }
  return out;
}

/** The mask as an opaque image: white for the object, black elsewhere (what the PNG download holds). */
export function maskImage(mask: Uint8Array, width: number, height: number): ImageData {
  const img = new ImageData(width, height);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] ? 255 : 0;
    img.data[i * 4] = v;
    img.data[i * 4 + 1] = v;
    img.data[i * 4 + 2] = v;
    img.data[i * 4 + 3] = 255;
  }
  return img;
}

/** The pixels of a decoded image element at its natural size. */
export function imagePixels(img: HTMLImageElement): ImageData {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas');
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, c.width, c.height);
}

/** A neutral grey background where the image itself is not available. */
export function blankPixels(width: number, height: number): ImageData {
  const img = new ImageData(width, height);
  img.data.fill(200);
  return img;
}

export function canvasBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}
