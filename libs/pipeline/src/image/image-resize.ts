import sharp from 'sharp';
import { assertImageSize } from '../errors/pipeline.errors';
import { assertRgbImage, type RgbImage } from './rgb-image';

/**
 * Resampling kernels for 8-bit images, through libvips (sharp). How they compare with the reference stack:
 * - `lanczos3`: the reference code's PIL `Image.LANCZOS` (a = 3). Close but not identical: libvips and PIL
 *   differ in fixed-point rounding and edge handling (differences of a few grey levels at edges).
 * - `cubic`: Catmull-Rom, the kernel of PIL `BICUBIC`; close, not equal. (SAM's ResizeLongestSide is PIL BILINEAR:
 *   see resizePilBilinear, a bit-exact port.)
 * - `linear`: libvips' linear is antialiased when downscaling and is NOT torch/cv2 bilinear (see
 *   resizeBilinear for float maps, which is torch-exact). Close to PIL BILINEAR when downscaling.
 * - `nearest`: nearest neighbour.
 */
export type ImageKernel = 'lanczos3' | 'cubic' | 'linear' | 'nearest';

export async function resizeImage(image: RgbImage, width: number, height: number, kernel: ImageKernel): Promise<RgbImage> {
  assertRgbImage('image', image);
  assertImageSize(width, height);
  if (width === image.width && height === image.height) return image;
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { kernel, fit: 'fill' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
