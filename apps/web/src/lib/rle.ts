/**
 * COCO run-length encoding, decoded in the browser. Port of pycocotools' `rleFrString` (maskApi.c): the counts string
 * packs each run length in 5-bit groups (char = group + 48, bit 0x20 = more groups follow, bit 0x10 of the last group
 * = sign), and from the third run on each value is a delta to the run two places back. Runs alternate 0,1,0,…
 * starting with zeros, over the mask in column-major order.
 */

export interface CocoRle {
  /** [height, width] */
  size: [number, number];
  counts: string;
}

/** The run lengths of a compressed counts string. Throws on characters outside the alphabet or negative runs. */
export function rleCounts(counts: string): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= counts.length) throw new Error('RLE counts end inside a run length');
      const c = counts.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`RLE counts contain an invalid character at ${p}`);
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10) !== 0) x |= -1 << (5 * k);
    }
    if (out.length > 2) x += out[out.length - 2];
    if (x < 0) throw new Error('RLE counts decode to a negative run');
    out.push(x);
  }
  return out;
}

/** The mask as `[H, W]` row-major 0/1 bytes. Throws when the runs do not cover exactly H·W pixels. */
export function decodeRle(rle: CocoRle): Uint8Array {
  const [h, w] = rle.size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) throw new Error(`bad RLE size [${h}, ${w}]`);
  const runs = rleCounts(rle.counts);
  const mask = new Uint8Array(h * w);
  let i = 0; // column-major position
  for (let r = 0; r < runs.length; r++) {
    const end = i + runs[r];
    if (end > h * w) throw new Error(`RLE runs cover more than ${h}×${w} pixels`);
    if (r % 2 === 1) {
      for (let j = i; j < end; j++) {
        const y = j % h;
        const x = (j - y) / h;
        mask[y * w + x] = 1;
      }
    }
    i = end;
  }
  if (i !== h * w) throw new Error(`RLE runs cover ${i} of ${h * w} pixels`);
  return mask;
}

export function maskArea(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}
