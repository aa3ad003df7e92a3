import { assertImageSize, assertPositiveInt } from '../errors/pipeline.errors';
import { resizePilBilinearPlanar } from './pil-resample';
import { normalizeTable, SAM_MEAN, SAM_STD } from './image-normalize';
import { PipelineError } from '../errors/pipeline.errors';
import type { RgbImage } from './rgb-image';
import { releaseNothing, type InputBufferPool } from './input-buffers';
import { resizePilBilinearPlanarWasm } from './wasm/pil-resize-kernel';

/** SAM's ResizeLongestSide target: scale = L / max(W, H); new = int(old·scale + 0.5). */
export function samResizedSize(width: number, height: number, inputSize = 1024): { width: number; height: number } {
  assertImageSize(width, height);
  assertPositiveInt('SAM input size', inputSize);
  const scale = inputSize / Math.max(width, height);
  return { width: Math.floor(width * scale + 0.5), height: Math.floor(height * scale + 0.5) };
}

/** Copies [3, h, w] planes into the top-left of zero-filled [1, 3, L, L] (SAM pads bottom/right after normalising). */
export function padPlanesBottomRight(planes: Float32Array, width: number, height: number, side: number): Float32Array {
  const out = new Float32Array(3 * side * side);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      const s = (c * height + y) * width;
      out.set(planes.subarray(s, s + width), (c * side + y) * side);
    }
  }
  return out;
}

function checkStd(std: readonly [number, number, number]): void {
  for (let c = 0; c < 3; c++) {
    if (!(std[c] > 0)) throw new PipelineError('INVALID_VALUE', `std[${c}] must be > 0, got ${std[c]}`);
  }
}

export interface SamInput {
  /** [1, 3, L, L] normalised, zero-padded bottom/right */
  readonly pixels: Float32Array;
  readonly inputSize: number;
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /**
   * Gives `pixels` back to the pool it was lent from (nothing without one): call once the model call that reads it
   * has settled; nothing may touch `pixels` after. Only the first call counts.
   */
  release(): void;
}

/**
 * SAM image preprocessing as segment-anything's ResizeLongestSide + preprocess: longest side → L with PIL's bilinear
 * filter (torchvision's resize of a PIL image; antialiased when shrinking; bit-exact port), normalise with SAM
 * mean/std on 0..255, pad bottom/right. With `buffers`, `pixels` is lent from that pool (same values). The resize
 * and normalisation run in WebAssembly SIMD (image/wasm/pil-resize.wat) unless `simd: false` or the runtime lacks it;
 * the JavaScript path gives the same floats.
 */
export async function prepareSamInput(
  image: RgbImage,
  options: {
    inputSize?: number;
    mean?: readonly [number, number, number];
    std?: readonly [number, number, number];
    buffers?: InputBufferPool;
    simd?: boolean;
  } = {},
): Promise<SamInput> {
  const inputSize = options.inputSize ?? 1024;
  const size = samResizedSize(image.width, image.height, inputSize);
  const mean = options.mean ?? SAM_MEAN;
  const std = options.std ?? SAM_STD;
  checkStd(std);
  // resized and normalised straight into the zero-padded square (the same values as resizePilBilinear +
  // toSamPixels + padPlanesBottomRight; the resized image is never materialised)
  const lease = options.buffers?.float32({
    planes: 3,
    rows: inputSize,
    cols: inputSize,
    x0: 0,
    y0: 0,
    x1: size.width,
    y1: size.height,
  });
  const pixels = lease?.data ?? new Float32Array(3 * inputSize * inputSize);
  try {
    const done = options.simd !== false && resizePilBilinearPlanarWasm(image, size.width, size.height, 1, mean, std, pixels, inputSize, inputSize);
    if (!done) resizePilBilinearPlanar(image, size.width, size.height, normalizeTable(1, mean, std), pixels, inputSize, inputSize);
  } catch (err) {
    lease?.release();
    throw err;
  }
  return {
    pixels,
    inputSize,
    resizedWidth: size.width,
    resizedHeight: size.height,
    release: lease ? lease.release : releaseNothing,
  };
}
