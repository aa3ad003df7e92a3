import { assertPositiveInt, PipelineError } from '../errors/pipeline.errors';
import { resizeImage, type ImageKernel } from './image-resize';
import { writePlanar } from './image-normalize';
import { releaseNothing, type InputBufferPool } from './input-buffers';
import type { RgbImage } from './rgb-image';
import { padToSquare, type SquarePlacement } from './square-pad';

export interface SdInput {
  /** [1, 3, S, S] in [−1, 1] */
  readonly pixels: Float32Array;
  readonly size: number;
  /** where the original image sits in the padded square (before resizing to `size`) */
  readonly placement: SquarePlacement;
  /**
   * Gives `pixels` back to the pool it was lent from (nothing without one): call once the model call that reads it
   * has settled; nothing may touch `pixels` after. Only the first call counts.
   */
  release(): void;
}

/**
 * Reference preprocessing for SD: centred black square, resize to S×S (LANCZOS in the reference), x/127.5 − 1.
 * With `buffers`, the square and `pixels` are lent from that pool (the same values).
 */
export async function prepareSdInput(
  image: RgbImage,
  size: number,
  options: { kernel?: ImageKernel; buffers?: InputBufferPool } = {},
): Promise<SdInput> {
  assertPositiveInt('SD image size', size);
  if (size % 64 !== 0) throw new PipelineError('INVALID_VALUE', `SD image size must be a multiple of 64, got ${size}`);
  const square = padToSquare(image, options.buffers);
  try {
    const resized = await resizeImage(square.image, size, size, options.kernel ?? 'lanczos3');
    const lease = options.buffers?.float32({ planes: 3, rows: size, cols: size, x0: 0, y0: 0, x1: size, y1: size });
    const pixels = lease?.data ?? new Float32Array(3 * size * size);
    writePlanar(resized, 1 / 127.5, SD_MEAN, SD_STD, pixels, size, size);
    return { pixels, size, placement: square.placement, release: lease ? lease.release : releaseNothing };
  } finally {
    // after the normalisation: a square of side `size` is its own resize
    square.release();
  }
}

const SD_MEAN = [1, 1, 1] as const;
const SD_STD = [1, 1, 1] as const;
