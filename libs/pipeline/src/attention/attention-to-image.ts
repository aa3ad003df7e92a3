import { PipelineError } from '../errors/pipeline.errors';
import { resizeBilinear } from '../image/bilinear-resize';
import { cropSquareMap, type SquarePlacement } from '../image/square-pad';
import { minMaxNormalize, type AttentionMap } from './attention-aggregate';

/**
 * The aggregated map → c ∈ [0,1], [H, W] of the original image: bilinear (torch, align_corners=False) to the padded
 * square's side, crop the padding, min-max again (ε 1e-8). The reference resizes an 8-bit copy with LANCZOS; we keep
 * float precision and use bilinear as the paper states — maps differ by a few 1/255 near steep edges.
 */
export function attentionToImage(map: AttentionMap, placement: SquarePlacement, epsilon = 1e-8): Float32Array {
  if (map.data.length !== map.side * map.side) {
    throw new PipelineError('INVALID_SHAPE', `attention map length ${map.data.length} ≠ side² (${map.side}²)`);
  }
  const square = resizeBilinear(map.data, 1, map.side, map.side, placement.side, placement.side);
  const c = cropSquareMap(square, placement);
  minMaxNormalize(c, epsilon);
  return c;
}
