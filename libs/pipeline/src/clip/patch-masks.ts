import { assertImageSize, assertLength, assertPositiveInt, PipelineError } from '../errors/pipeline.errors';
import type { SquarePlacement } from '../image/square-pad';

/**
 * Per-proposal patch flags for the masked-attention ("soft") CLIP encoder: each [H, W] mask nearest-downsampled
 * (torch F.interpolate mode='nearest': src = min(⌊dst·s⌋, in − 1) with s = in/out and the product in float32, as
 * torch's CPU kernel computes it) to the patch grid → [N, gh·gw] (1 = inside), row-major. `grid` is the side of a
 * square grid or { width, height } (the reference: ⌊W/16⌋ × ⌊H/16⌋ of the full-resolution image).
 * `placement` (optional): the image sits inside a padded square that the encoder sees; the mask is placed the same
 * way (0 in the padding) before downsampling.
 */
export function clipPatchMasks(
  masks: readonly Uint8Array[],
  width: number,
  height: number,
  grid: number | { readonly width: number; readonly height: number },
  placement?: SquarePlacement,
): Uint8Array {
  assertImageSize(width, height);
  const gw = typeof grid === 'number' ? grid : grid.width;
  const gh = typeof grid === 'number' ? grid : grid.height;
  assertPositiveInt('patch grid width', gw);
  assertPositiveInt('patch grid height', gh);
  if (placement && (placement.width !== width || placement.height !== height)) {
    throw new PipelineError('INVALID_SHAPE', `placement is for ${placement.width}×${placement.height}, masks are ${width}×${height}`);
  }
  const frameW = placement ? placement.side : width;
  const frameH = placement ? placement.side : height;
  const ox = placement ? placement.offsetX : 0;
  const oy = placement ? placement.offsetY : 0;
  const p = gw * gh;
  const out = new Uint8Array(masks.length * p);
  // source pixel (in the image) per grid cell, −1 when it lands in padding
  const srcX = new Int32Array(gw);
  const srcY = new Int32Array(gh);
  const nearest = (dst: number, input: number, output: number) =>
    input === output ? dst : Math.min(Math.floor(Math.fround(dst * Math.fround(input / output))), input - 1);
  for (let g = 0; g < gw; g++) {
    const fx = nearest(g, frameW, gw) - ox;
    srcX[g] = fx >= 0 && fx < width ? fx : -1;
  }
  for (let g = 0; g < gh; g++) {
    const fy = nearest(g, frameH, gh) - oy;
    srcY[g] = fy >= 0 && fy < height ? fy : -1;
  }
  masks.forEach((m, n) => {
    assertLength(`mask ${n}`, m.length, width * height, `[${height}, ${width}]`);
    for (let gy = 0; gy < gh; gy++) {
      const sy = srcY[gy];
      if (sy < 0) continue;
      for (let gx = 0; gx < gw; gx++) {
        const sx = srcX[gx];
        if (sx >= 0 && m[sy * width + sx]) out[n * p + gy * gw + gx] = 1;
      }
    }
  });
  return out;
}
