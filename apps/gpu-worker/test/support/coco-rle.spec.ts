import fc from 'fast-check';
import { encodeRle as pipelineEncodeRle } from '@refdiff/pipeline';
import { describe, expect, it } from 'vitest';
import { decodeRle, encodeRle, iou } from './coco-rle';

describe('test RLE helper', () => {
  it('matches pycocotools on a known mask', () => {
    // [[0,1],[1,1]] column-major is 0,1,1,1: runs [1,3] → '1','3'
    expect(encodeRle(new Uint8Array([0, 1, 1, 1]), 2, 2)).toBe('13');
    // runs [1,3,2,5]: the 4th is stored as 5-3=2 → '1322'
    expect(encodeRle(new Uint8Array([0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1]), 1, 11)).toBe('1322');
  });

  it('round-trips random masks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer(), (h, w, seed) => {
        const mask = new Uint8Array(h * w);
        let s = seed >>> 0;
        for (let i = 0; i < mask.length; i++) {
          s = (s * 1103515245 + 12345) >>> 0;
          mask[i] = (s >>> 16) & 1;
        }
        expect(decodeRle(encodeRle(mask, h, w), h, w)).toEqual(mask);
        // the same strings as the pipeline's encoder (tested against pycocotools there)
        expect(encodeRle(mask, h, w)).toBe(pipelineEncodeRle(mask, w, h).counts);
        expect(iou(mask, mask)).toBe(1);
      }),
    );
  });
});
