import { assertPositiveInt, PipelineError } from '../errors/pipeline.errors';
import { resizeImage, type ImageKernel } from './image-resize';
import { toSdPixels } from './image-normalize';
import type { RgbImage } from './rgb-image';
import { padToSquare, type SquarePlacement } from './square-pad';

export interface SdInput {
  /** [1, 3, S, S] in [−1, 1] */
  readonly pixels: Float32Array;
  readonly size: number;
  /** where the original image sits in the padded square (before resizing to `size`) */
  readonly placement: SquarePlacement;
}

/** Reference preprocessing for SD: centred black square, resize to S×S (LANCZOS in the reference), x/127.5 − 1. */
export async function prepareSdInput(image: RgbImage, size: number, kernel: ImageKernel = 'lanczos3'): Promise<SdInput> {
  assertPositiveInt('SD image size', size);
  if (size % 64 !== 0) throw new PipelineError('INVALID_VALUE', `SD image size must be a multiple of 64, got ${size}`);
  const { image: square, placement } = padToSquare(image);
  const resized = await resizeImage(square, size, size, kernel);
  return { pixels: toSdPixels(resized), size, placement };
}
