import { assertPositiveInt, PipelineError } from '../errors/pipeline.errors';
import { samResizedSize } from '../image/sam-input';

/** Frames SAM post-processing moves between: low-res logits (S²) → input square (L²) → resized extent → image. */
export interface SamGeometry {
  readonly width: number;
  readonly height: number;
  readonly inputSize: number;
  readonly lowResSize: number;
  readonly resizedWidth: number;
  readonly resizedHeight: number;
}

export function samGeometry(width: number, height: number, inputSize = 1024, lowResSize = 256): SamGeometry {
  assertPositiveInt('SAM low-res size', lowResSize);
  const r = samResizedSize(width, height, inputSize);
  if (r.width > inputSize || r.height > inputSize) {
    throw new PipelineError('INVALID_SHAPE', `resized extent ${r.width}×${r.height} exceeds SAM input ${inputSize}`);
  }
  return { width, height, inputSize, lowResSize, resizedWidth: r.width, resizedHeight: r.height };
}

/**
 * SAM's automatic-mask-generator point grid (build_point_grid): n×n points at (i + ½)/n, x varying fastest, then
 * scaled to the image (x·W, y·H) and mapped into the input frame (× resized/original, ResizeLongestSide.apply_coords).
 * → [n², 2] (x, y) in the L×L frame the decoder expects.
 */
export function samPointGrid(geometry: SamGeometry, pointsPerSide = 32): Float32Array {
  assertPositiveInt('points per side', pointsPerSide);
  const n = pointsPerSide;
  const offset = 1 / (2 * n);
  const out = new Float32Array(n * n * 2);
  const sx = geometry.resizedWidth / geometry.width;
  const sy = geometry.resizedHeight / geometry.height;
  // np.linspace(offset, 1 − offset, n) as numpy computes it: i·step + start, the last point set to stop exactly
  const stop = 1 - offset;
  const step = n > 1 ? (stop - offset) / (n - 1) : 0;
  const lin = (i: number) => (n > 1 && i === n - 1 ? stop : i * step + offset);
  for (let j = 0; j < n; j++) {
    const gy = lin(j);
    for (let i = 0; i < n; i++) {
      const gx = lin(i);
      const k = (j * n + i) * 2;
      out[k] = gx * geometry.width * sx;
      out[k + 1] = gy * geometry.height * sy;
    }
  }
  return out;
}
