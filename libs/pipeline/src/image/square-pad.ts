import { assertImageSize, assertLength, PipelineError } from '../errors/pipeline.errors';
import { assertRgbImage, type RgbImage } from './rgb-image';
import { releaseNothing, type InputBufferPool } from './input-buffers';

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

/**
 * Pads an RGB image to a centred black square of side max(W, H). With `buffers`, the square is lent from that pool
 * (the same bytes): `release()` gives it back once whatever reads it (a resize) has finished; without, it does nothing.
 */
export function padToSquare(
  image: RgbImage,
  buffers?: InputBufferPool,
): { image: RgbImage; placement: SquarePlacement; release(): void } {
  assertRgbImage('image', image);
  const p = squarePlacement(image.width, image.height);
  const rowBytes = image.width * 3;
  const lease = buffers?.uint8({
    planes: 1,
    rows: p.side,
    cols: p.side * 3,
    x0: p.offsetX * 3,
    y0: p.offsetY,
    x1: p.offsetX * 3 + rowBytes,
    y1: p.offsetY + image.height,
  });
  const out = lease?.data ?? new Uint8Array(p.side * p.side * 3);
  for (let y = 0; y < image.height; y++) {
    const s = y * rowBytes;
    out.set(image.data.subarray(s, s + rowBytes), ((y + p.offsetY) * p.side + p.offsetX) * 3);
  }
  return { image: { width: p.side, height: p.side, data: out }, placement: p, release: lease ? lease.release : releaseNothing };
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
