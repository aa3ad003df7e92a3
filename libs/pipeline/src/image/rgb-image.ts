import { assertImageSize, assertLength } from '../errors/pipeline.errors';

/** An 8-bit RGB image, interleaved [H, W, 3] row-major (what sharp's raw output and PIL's np.array give). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function assertRgbImage(name: string, image: RgbImage): void {
  assertImageSize(image.width, image.height);
  assertLength(name, image.data.length, image.width * image.height * 3, `[${image.height}, ${image.width}, 3]`);
}
