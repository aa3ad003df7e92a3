import type { CocoRle } from '../segment/segment.types';
import { assertImageSize, assertLength, PipelineError } from '../errors/pipeline.errors';

/**
 * COCO run-length encoding, byte-compatible with pycocotools (cocoapi common/maskApi.c rleEncode / rleToString /
 * rleFrString): runs over the mask in column-major (Fortran) order, alternating 0-runs and 1-runs starting with
 * zeros; the string form stores each count (minus the count two back, for i > 2) as little-endian 5-bit groups,
 * bit 0x20 = more groups follow, bit 0x10 of the last group = sign, each group + 48 as an ASCII char.
 */

/**
 * Uncompressed run lengths of a row-major [H, W] mask in column-major order. `box`: the mask's tight inclusive box
 * [x0, y0, x1, y1] (maskBox) when the caller has it — every pixel outside it must be 0; only the box is read then
 * (the zeros around it are counted, not scanned), with the same counts.
 */
export function rleCounts(mask: Uint8Array, width: number, height: number, box?: readonly [number, number, number, number]): number[] {
  assertImageSize(width, height);
  assertLength('mask', mask.length, width * height, `[${height}, ${width}]`);
  const [x0, y0, x1, y1] = box ?? [0, 0, width - 1, height - 1];
  if (!(Number.isInteger(x0) && Number.isInteger(y0) && x0 >= 0 && y0 >= 0 && x0 <= x1 && y0 <= y1 && x1 < width && y1 < height)) {
    throw new PipelineError('INVALID_VALUE', `box [${box?.join(', ')}] does not lie inside the ${width}×${height} mask`);
  }
  const counts: number[] = [];
  let cur = 0; // value of the current run
  let run = x0 * height; // the columns left of the box: zeros, and the first run is a 0-run
  const below = height - 1 - y1;
  for (let x = x0; x <= x1; x++) {
    if (y0 > 0) {
      if (cur !== 0) {
        counts.push(run);
        run = 0;
        cur = 0;
      }
      run += y0;
    }
    const end = y1 * width + x;
    for (let i = y0 * width + x; i <= end; i += width) {
      const v = mask[i] ? 1 : 0;
      if (v !== cur) {
        counts.push(run);
        run = 0;
        cur = v;
      }
      run++;
    }
    if (below > 0) {
      if (cur !== 0) {
        counts.push(run);
        run = 0;
        cur = 0;
      }
      run += below;
    }
  }
  const right = (width - 1 - x1) * height;
  if (right > 0) {
    if (cur !== 0) {
      counts.push(run);
      run = 0;
    }
    run += right;
  }
  counts.push(run);
  return counts;
}

export function rleCountsToString(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (!Number.isInteger(x) || x < 0) throw new PipelineError('INVALID_VALUE', `RLE count[${i}] must be an integer ≥ 0, got ${x}`);
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f; // two's complement low bits, also for negative x
      x = Math.floor(x / 32); // arithmetic shift without the 32-bit limit
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

export function rleStringToCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new PipelineError('INVALID_VALUE', `RLE string ends inside a count at offset ${p}: '${s.slice(0, 40)}'`);
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new PipelineError('INVALID_VALUE', `RLE string has an invalid character '${s[p]}' at offset ${p}`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k); // sign-extend
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Encodes a row-major [H, W] mask as pycocotools' compressed RLE `{size: [H, W], counts}`. */
/** `box`: the mask's tight box, when known (rleCounts). */
export function encodeRle(mask: Uint8Array, width: number, height: number, box?: readonly [number, number, number, number]): CocoRle {
  return { size: [height, width], counts: rleCountsToString(rleCounts(mask, width, height, box)) };
}

/** Decodes a compressed RLE to a row-major [H, W] byte mask; counts must add up to H·W. */
export function decodeRle(rle: CocoRle): Uint8Array {
  const [height, width] = rle.size;
  assertImageSize(width, height);
  const counts = rleStringToCounts(rle.counts);
  const n = width * height;
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== n || counts.some((c) => c < 0)) {
    throw new PipelineError('INVALID_VALUE', `RLE counts add up to ${total} (or hold a negative run), size ${height}×${width} needs ${n}`);
  }
  const out = new Uint8Array(n);
  let pos = 0; // column-major position
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (i & 1) {
      for (let j = pos; j < pos + c; j++) {
        const x = Math.floor(j / height);
        out[(j - x * height) * width + x] = 1;
      }
    }
    pos += c;
  }
  return out;
}

/** Mask area straight from the RLE (sum of the 1-runs). */
export function rleArea(rle: CocoRle): number {
  const counts = rleStringToCounts(rle.counts);
  let a = 0;
  for (let i = 1; i < counts.length; i += 2) a += counts[i];
  return a;
}
