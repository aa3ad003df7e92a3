import { describe, expect, it } from 'vitest';
import { decodeRle, maskArea, rleCounts } from './rle';

/**
 * Reference encoder written from the COCO spec (pycocotools maskApi.c rleToString), independent of the decoder:
 * column-major runs starting with zeros, deltas from the third run, 5-bit groups with a continuation bit.
 */
function encode(mask: Uint8Array, h: number, w: number): string {
  const runs: number[] = [];
  let prev = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x];
      if (v !== prev) {
        runs.push(run);
        run = 0;
        prev = v;
      }
      run++;
    }
  }
  runs.push(run);
  let s = '';
  for (let i = 0; i < runs.length; i++) {
    let x = runs[i];
    if (i > 2) x -= runs[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

function seeded(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe('COCO RLE', () => {
  it('decodes hand-computed strings', () => {
    // 2×3 mask, column-major runs [1, 2, 3]: pixel (y=1,x=0) and (y=0,x=1) are set.
    expect(rleCounts('123')).toEqual([1, 2, 3]);
    expect(Array.from(decodeRle({ size: [2, 3], counts: '123' }))).toEqual([0, 1, 0, 1, 0, 0]);
    // All zeros: one run of 6.
    expect(Array.from(decodeRle({ size: [2, 3], counts: '6' }))).toEqual([0, 0, 0, 0, 0, 0]);
    // A run of 40 needs two 5-bit groups: 40 = 8 + 1·32 → chars 8|0x20 → 'X', then 1 → '1'.
    expect(rleCounts('X1')).toEqual([40]);
    // From the fourth run on values are deltas to the run two back: 5, 4, 3, then -3 ('M' = 29 = 0b11101, sign bit
    // 0x10 set) → 4 - 3 = 1.
    expect(rleCounts('543M')).toEqual([5, 4, 3, 1]);
  });

  it('round-trips random masks through an independent encoder', () => {
    const rand = seeded(7);
    for (let t = 0; t < 200; t++) {
      const h = 1 + Math.floor(rand() * 40);
      const w = 1 + Math.floor(rand() * 40);
      const density = rand();
      const mask = new Uint8Array(h * w);
      // blobs and noise, so runs are both long (multi-group) and short
      for (let i = 0; i < mask.length; i++) mask[i] = rand() < density ? 1 : 0;
      if (t % 3 === 0) mask.fill(1, 0, Math.floor(mask.length / 2));
      const decoded = decodeRle({ size: [h, w], counts: encode(mask, h, w) });
      expect(decoded).toEqual(mask);
      expect(maskArea(decoded)).toBe(mask.reduce((a, b) => a + b, 0));
    }
  });

  it('handles runs longer than 2^15 pixels', () => {
    const h = 300;
    const w = 400;
    const mask = new Uint8Array(h * w);
    mask.fill(1, 50_000, 110_000);
    expect(decodeRle({ size: [h, w], counts: encode(mask, h, w) })).toEqual(mask);
  });

  it('refuses strings that do not describe the mask size', () => {
    expect(() => decodeRle({ size: [2, 3], counts: '12' })).toThrow(/cover 3 of 6/);
    expect(() => decodeRle({ size: [2, 3], counts: '7' })).toThrow(/more than/);
    expect(() => decodeRle({ size: [2, 3], counts: 'fake:the red box' })).toThrow(/invalid character/);
    expect(() => decodeRle({ size: [2, 3], counts: 'X' })).toThrow(/inside a run/);
  });
});
