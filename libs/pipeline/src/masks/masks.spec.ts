import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { maskArea, maskBox, maskIou } from './binary-mask';
import { decodeRle, encodeRle, rleArea, rleCounts, rleCountsToString, rleStringToCounts } from './coco-rle';
import { encodeMaskPng, encodeOverlayPng, overlayMask } from './mask-png';

describe('binary masks', () => {
  it('area, inclusive box, IoU', () => {
    const a = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0]); // 4×2
    expect(maskArea(a)).toBe(3);
    expect(maskBox(a, 4, 2)).toEqual([1, 0, 2, 1]);
    expect(maskBox(new Uint8Array(8), 4, 2)).toBeNull();
    expect(maskIou(a, Uint8Array.from([0, 1, 0, 0, 0, 1, 1, 0]))).toBeCloseTo(2 / 4, 12);
    expect(maskIou(new Uint8Array(4), new Uint8Array(4))).toBe(1);
  });
});

describe('COCO RLE (pycocotools compatible)', () => {
  it('counts are column-major runs starting with zeros', () => {
    // 3×3 mask with the centre set: column-major 0,0,0 | 0,1,0 | 0,0,0 → [4, 1, 4]
    const m = new Uint8Array(9);
    m[4] = 1;
    expect(rleCounts(m, 3, 3)).toEqual([4, 1, 4]);
    expect(encodeRle(m, 3, 3)).toEqual({ size: [3, 3], counts: '414' });
    // row-major [[1,1],[0,0]]: column-major 1,0,1,0 → [0, 1, 1, 1, 1]
    expect(rleCounts(Uint8Array.from([1, 1, 0, 0]), 2, 2)).toEqual([0, 1, 1, 1, 1]);
  });

  it('compressed string form, derived by hand from maskApi.c rleToString', () => {
    // 100 → groups 4|more (36 → 'T'), 3 → '3'; 20 has bit 0x10 set so needs a second group: 52 → 'd', 0 → '0';
    // i = 3: 30 − counts[1] = −70 → 26|more (58 → 'j'), −3 & 31 = 29 → 'M'
    expect(rleCountsToString([0, 100, 20, 30])).toBe('0T3d0jM');
    expect(rleStringToCounts('0T3d0jM')).toEqual([0, 100, 20, 30]);
    // 2^20: four zero groups each with the more bit (0x20 + 48 = 'P'), then 1 → 'PPPP1'
    expect(rleCountsToString([1048576])).toBe('PPPP1');
  });

  it('reproduces pycocotools strings published in third-party tests (25×25 squares)', () => {
    // pycocotools.mask.encode of a 25×25 mask with rows/cols a..b−1 set, as asserted against pycocotools in
    // pytorchcocotools' test cases
    const square = (a: number, b: number) => {
      const m = new Uint8Array(625);
      for (let y = a; y < b; y++) for (let x = a; x < b; x++) m[y * 25 + x] = 1;
      return m;
    };
    expect(encodeRle(square(0, 5), 25, 25).counts).toBe('05d00000000d?');
    expect(encodeRle(square(5, 10), 25, 25).counts).toBe('R45d00000000b;');
    expect(encodeRle(square(20, 25), 25, 25).counts).toBe('X`05d00000000');
    expect(decodeRle({ size: [25, 25], counts: 'R45d00000000b;' })).toEqual(square(5, 10));
  });

  it('with the tight box, only the box is read and the counts are the same (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer(),
        fc.integer({ min: 0, max: 3 }),
        (w, h, seed, kind) => {
          let s = seed;
          const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 16) / 65536;
          // a rectangle of noise (kind 0), a solid rectangle (1), one pixel (2), or the whole mask (3)
          const bx0 = Math.floor(rnd() * w);
          const by0 = Math.floor(rnd() * h);
          const bx1 = kind === 3 ? w - 1 : bx0 + Math.floor(rnd() * (w - bx0));
          const by1 = kind === 3 ? h - 1 : by0 + Math.floor(rnd() * (h - by0));
          const m = new Uint8Array(w * h);
          for (let y = by0; y <= by1; y++) {
            for (let x = bx0; x <= bx1; x++) m[y * w + x] = kind === 0 ? (rnd() < 0.5 ? 1 : 0) : kind === 2 ? 0 : 255;
          }
          if (kind === 2) m[by0 * w + bx0] = 1;
          const box = maskBox(m, w, h);
          if (!box) return;
          expect(rleCounts(m, w, h, box)).toEqual(rleCounts(m, w, h));
          expect(encodeRle(m, w, h, box)).toEqual(encodeRle(m, w, h));
        },
      ),
      { numRuns: 2000 },
    );
    expect(() => rleCounts(new Uint8Array(6), 3, 2, [0, 0, 3, 1])).toThrow(/does not lie inside/);
  });
  it('round-trips random masks and counts (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer(), (w, h, seed) => {
        let s = seed;
        const m = Uint8Array.from({ length: w * h }, () => ((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 16) & 1);
        const rle = encodeRle(m, w, h);
        expect(rle.size).toEqual([h, w]);
        expect(decodeRle(rle)).toEqual(m);
        expect(rleArea(rle)).toBe(maskArea(m));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 30 }), { maxLength: 30 }), (counts) => {
        expect(rleStringToCounts(rleCountsToString(counts))).toEqual(counts);
      }),
    );
  });

  it('rejects malformed strings and counts that do not fill the image', () => {
    expect(() => decodeRle({ size: [2, 2], counts: '14' })).toThrow(/add up to 5/);
    expect(() => decodeRle({ size: [2, 2], counts: '3' + String.fromCharCode(200) })).toThrow(/invalid character/);
    expect(() => rleStringToCounts('T')).toThrow(/ends inside a count/);
  });
});

describe('PNG', () => {
  it('encodes a mask as 0/255 grey and an overlay blending the colour', async () => {
    const m = Uint8Array.from([1, 0, 0, 1]);
    const png = await encodeMaskPng(m, 2, 2);
    expect((await sharp(png).metadata()).channels).toBe(1);
    const data = await sharp(png).extractChannel(0).raw().toBuffer();
    expect(Array.from(data)).toEqual([255, 0, 0, 255]);
    const img = { width: 2, height: 2, data: new Uint8Array(12).fill(100) };
    const o = overlayMask(img, m, { color: [200, 0, 0], alpha: 0.5 });
    expect(Array.from(o.data.subarray(0, 6))).toEqual([150, 50, 50, 100, 100, 100]);
    const decoded = await sharp(await encodeOverlayPng(img, m, { outline: true, color: [1, 2, 3] })).raw().toBuffer();
    expect(Array.from(decoded.subarray(0, 3))).toEqual([1, 2, 3]);
  });
});
