import { assertImageSize, assertLength, assertPositiveInt, PipelineError } from '../errors/pipeline.errors';
import type { SquarePlacement } from '../image/square-pad';

/**
 * Per-proposal patch flags for the masked-attention ("soft") CLIP encoder: each [H, W] mask nearest-downsampled
 * (torch F.interpolate mode='nearest': src = ⌊dst·in/out⌋) to the grid×grid patch grid → [N, grid²] (1 = inside).
 * `placement` (optional): the image sits inside a padded square that the encoder sees; the mask is placed the same
 * way (0 in the padding) before downsampling.
 */
export function clipPatchMasks(
  masks: readonly Uint8Array[],
  width: number,
  height: number,
  grid: number,
  placement?: SquarePlacement,
): Uint8Array {
  assertImageSize(width, height);
  assertPositiveInt('patch grid', grid);
  if (placement && (placement.width !== width || placement.height !== height)) {
    throw new PipelineError('INVALID_SHAPE', `placement is for ${placement.width}×${placement.height}, masks are ${width}×${height}`);
  }
  const frameW = placement ? placement.side : width;
  const frameH = placement ? placement.side : height;
  const ox = placement ? placement.offsetX : 0;
  const oy = placement ? placement.offsetY : 0;
  const p = grid * grid;
  const out = new Uint8Array(masks.length * p);
  // source pixel (in the image) per grid cell, −1 when it lands in padding
  const srcX = new Int32Array(grid);
  const srcY = new Int32Array(grid);
  for (let g = 0; g < grid; g++) {
    const fx = Math.min(Math.floor((g * frameW) / grid), frameW - 1) - ox;
    const fy = Math.min(Math.floor((g * frameH) / grid), frameH - 1) - oy;
    srcX[g] = fx >= 0 && fx < width ? fx : -1;
    srcY[g] = fy >= 0 && fy < height ? fy : -1;
  }
  masks.forEach((m, n) => {
    assertLength(`mask ${n}`, m.length, width * height, `[${height}, ${width}]`);
    for (let gy = 0; gy < grid; gy++) {
      const sy = srcY[gy];
      if (sy < 0) continue;
      for (let gx = 0; gx < grid; gx++) {
        const sx = srcX[gx];
        if (sx >= 0 && m[sy * width + sx]) out[n * p + gy * grid + gx] = 1;
      }
    }
  });
  return out;
}
