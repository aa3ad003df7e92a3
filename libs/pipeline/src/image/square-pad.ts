import { assertImageSize, assertLength, PipelineError } from '../errors/pipeline.errors';
import { assertRgbImage, type RgbImage } from './rgb-image';

/** Where the original image sits inside its centred square (reference: PIL paste at ((S−W)//2, (S−H)//2)). */
export interface SquarePlacement {
  readonly side: number;
  readonly offsetX: number;
  readonly offsetY: number;
  readonly width: number;
  readonly height: number;
}

export function squarePlacement(width: number, height: number): SquarePlacement {
  assertImageSize(width, height);
  const side = Math.max(width, height);
  return { side, offsetX: (side - width) >> 1, offsetY: (side - height) >> 1, width, height };
}

/** Pads an RGB image to a centred black square of side max(W, H). */
export function padToSquare(image: RgbImage): { image: RgbImage; placement: SquarePlacement } {
  assertRgbImage('image', image);
  const p = squarePlacement(image.width, image.height);
  const out = new Uint8Array(p.side * p.side * 3);
  const rowBytes = image.width * 3;
  for (let y = 0; y < image.height; y++) {
    const s = y * rowBytes;
    out.set(image.data.subarray(s, s + rowBytes), ((y + p.offsetY) * p.side + p.offsetX) * 3);
  }
  return { image: { width: p.side, height: p.side, data: out }, placement: p };
}

/** Crops a [side, side] single-channel map back to the original [H, W] region of the placement. */
export function cropSquareMap(map: Float32Array, placement: SquarePlacement): Float32Array {
  const { side, offsetX, offsetY, width, height } = placement;
  assertLength('square map', map.length, side * side, `[${side}, ${side}]`);
  if (offsetX + width > side || offsetY + height > side) {
    throw new PipelineError('INVALID_SHAPE', `placement ${width}×${height}+${offsetX}+${offsetY} exceeds side ${side}`);
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const s = (y + offsetY) * side + offsetX;
    out.set(map.subarray(s, s + width), y * width);
  }
  return out;
}
