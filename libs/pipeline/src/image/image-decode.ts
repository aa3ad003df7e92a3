import sharp from 'sharp';
import { PipelineError } from '../errors/pipeline.errors';
import { assertRgbImage, type RgbImage } from './rgb-image';

/**
 * Decodes JPEG/PNG/WebP/… bytes to 8-bit sRGB, alpha dropped. EXIF orientation is applied only with
 * `autoOrient` (what viewers display); by default the stored pixel order is kept, as PIL's `Image.open` (what the
 * reference code and the COCO masks use) does.
 */
export async function decodeImage(bytes: Uint8Array, options: { autoOrient?: boolean } = {}): Promise<RgbImage> {
  if (bytes.length === 0) throw new PipelineError('INVALID_IMAGE', 'image bytes are empty (0 bytes)');
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error', autoOrient: options.autoOrient === true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new PipelineError('INVALID_IMAGE', `decoded image has ${info.channels} channels, expected 3`);
    }
    const image = { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
    assertRgbImage('decoded image', image);
    return image;
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    throw new PipelineError('INVALID_IMAGE', `cannot decode image (${bytes.length} bytes): ${(err as Error).message}`, {
      cause: err,
    });
  }
}
