import { assertImageSize, assertLength } from '../errors/pipeline.errors';

/** Byte masks: Uint8Array [H, W] row-major, nonzero = inside. Boxes [x0, y0, x1, y1] inclusive. */
export function maskArea(mask: Uint8Array): number {
  let a = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) a++;
  return a;
}

/** Tight inclusive box, or null for an empty mask. */
export function maskBox(mask: Uint8Array, width: number, height: number): [number, number, number, number] | null {
  assertImageSize(width, height);
  assertLength('mask', mask.length, width * height, `[${height}, ${width}]`);
  let x0 = width;
  let y0 = -1;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      if (mask[o + x]) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    for (let x = width - 1; x >= first; x--) {
      if (mask[o + x]) {
        last = x;
        break;
      }
    }
    if (y0 < 0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
  }
  return y0 < 0 ? null : [x0, y0, x1, y1];
}

export interface MaskOverlap {
  readonly intersection: number;
  readonly union: number;
}

export function maskOverlap(a: Uint8Array, b: Uint8Array): MaskOverlap {
  assertLength('mask b', b.length, a.length, `same as mask a (${a.length})`);
  let inter = 0;
  let uni = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x && y) inter++;
    if (x || y) uni++;
  }
  return { intersection: inter, union: uni };
}

/** IoU of two masks; two empty masks agree perfectly (IoU 1). */
export function maskIou(a: Uint8Array, b: Uint8Array): number {
  const { intersection, union } = maskOverlap(a, b);
  return union === 0 ? 1 : intersection / union;
}
