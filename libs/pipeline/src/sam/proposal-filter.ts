import { PipelineError } from '../errors/pipeline.errors';

/**
 * The reference code's proposal filter (Ref-Diff `filter_proposal`): only the `topK` largest masks compete
 * (ties: earlier index first), and a mask with area ≤ max(minArea, minAreaRatio·W·H) is out. Returns 1 = competes,
 * 0 = filtered (its fused score must be −Infinity, not the reference's 0, which can beat negative scores).
 */
export function filterProposals(
  areas: ArrayLike<number>,
  options: { topK: number; minArea?: number; minAreaRatio?: number; imageArea?: number },
): Uint8Array {
  const n = areas.length;
  const { topK } = options;
  if (!Number.isInteger(topK) || topK < 0) throw new PipelineError('INVALID_VALUE', `topK must be an integer ≥ 0, got ${topK}`);
  const ratio = options.minAreaRatio ?? 0;
  if (ratio > 0 && !(options.imageArea !== undefined && options.imageArea > 0)) {
    throw new PipelineError('INVALID_VALUE', `minAreaRatio ${ratio} needs a positive imageArea, got ${options.imageArea}`);
  }
  const limit = Math.max(options.minArea ?? 0, ratio * (options.imageArea ?? 0));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => areas[b] - areas[a] || a - b);
  const keep = new Uint8Array(n);
  for (let r = 0; r < Math.min(topK, n); r++) {
    const i = order[r];
    if (areas[i] > limit) keep[i] = 1;
  }
  return keep;
}

/** The reference's fallback when SAM returns nothing: the whole image as the one proposal. */
export function fullImageMask(width: number, height: number): Uint8Array {
  if (!(width > 0 && height > 0)) throw new PipelineError('EMPTY_IMAGE', `image size must be positive, got ${width}×${height}`);
  return new Uint8Array(width * height).fill(1);
}
