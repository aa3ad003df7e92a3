import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import { decodeImage } from '../image/image-decode';
import type { RgbImage } from '../image/rgb-image';
import { PipelineError } from '../errors/pipeline.errors';
import { toEngineError } from './segment.errors';

/** Formats accepted: what browsers and datasets send. Anything else sharp could read (SVG, PDF, raw…) is refused. */
export const SUPPORTED_IMAGE_FORMATS: readonly string[] = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif'];

export interface ImageLimits {
  readonly maxImagePixels: number;
  readonly maxImageBytes: number;
  /** Apply the EXIF orientation on decode (RefDiffConfig.autoOrient). */
  readonly autoOrient?: boolean;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Checks the encoded bytes before decoding: size limit, format from the header, and the declared dimensions against
 * the pixel limit (a 20,000×20,000 PNG of a few KB is refused here, never inflated). Then decodes to RGB.
 */
export async function gateAndDecode(bytes: Uint8Array, limits: ImageLimits): Promise<RgbImage> {
  if (!(bytes instanceof Uint8Array)) throw new PipelineError('INVALID_ARGUMENT', 'image must be a Uint8Array of encoded bytes');
  if (bytes.length === 0) throw new PipelineError('INVALID_IMAGE', 'image is empty (0 bytes)');
  if (bytes.length > limits.maxImageBytes) {
    throw new PipelineError('IMAGE_TOO_LARGE', `image is ${bytes.length} bytes; the limit is ${limits.maxImageBytes} bytes`);
  }
  let meta: Metadata;
  try {
    // header only: sharp reads dimensions without decoding pixels; no pixel limit so we can report ours
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new PipelineError('INVALID_IMAGE', `not a readable image (${bytes.length} bytes): ${(err as Error).message}`, { cause: err });
  }
  const format = String(meta.format ?? 'unknown');
  if (!SUPPORTED_IMAGE_FORMATS.includes(format)) {
    throw new PipelineError('UNSUPPORTED_IMAGE_FORMAT', `image format '${format}' is not supported; send one of ${SUPPORTED_IMAGE_FORMATS.join(', ')}`);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!(w > 0 && h > 0)) throw new PipelineError('INVALID_IMAGE', `image header declares ${w}×${h} pixels`);
  if (w * h > limits.maxImagePixels) {
    throw new PipelineError(
      'IMAGE_TOO_LARGE',
      `image is ${w}×${h} = ${(w * h / 1e6).toFixed(1)} megapixels; the limit is ${(limits.maxImagePixels / 1e6).toFixed(1)} megapixels (checked before decoding)`,
    );
  }
  try {
    const image = await decodeImage(bytes, { autoOrient: limits.autoOrient });
    return image;
  } catch (err) {
    throw toEngineError(err, 'image');
  }
}
