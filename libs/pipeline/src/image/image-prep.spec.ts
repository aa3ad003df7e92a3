import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors/pipeline.errors';
import { decodeImage } from './image-decode';
import { toClipPixels, toSamPixels, toSdPixels } from './image-normalize';
import { padPlanesBottomRight, prepareSamInput, samResizedSize } from './sam-input';
import { prepareSdInput } from './sd-input';
import { cropSquareMap, padToSquare, squarePlacement } from './square-pad';
import type { RgbImage } from './rgb-image';

function image(width: number, height: number, f: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = f(x, y, c);
  return { width, height, data };
}

describe('decodeImage', () => {
  it('decodes a PNG to the exact RGB pixels, dropping alpha', async () => {
    const rgba = Uint8Array.from([10, 20, 30, 255, 40, 50, 60, 128, 70, 80, 90, 0]);
    const png = await sharp(rgba, { raw: { width: 3, height: 1, channels: 4 } }).png().toBuffer();
    const img = await decodeImage(png);
    expect([img.width, img.height]).toEqual([3, 1]);
    expect(Array.from(img.data)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it('throws INVALID_IMAGE for bytes that are not an image and for empty input', async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    await expect(decodeImage(new Uint8Array())).rejects.toThrow(/0 bytes/);
  });
});

describe('square padding', () => {
  it('centres a 3×1 image in a 3×3 black square and crops a map back', () => {
    const img = image(3, 1, (x) => 100 + x);
    const { image: sq, placement } = padToSquare(img);
    expect(placement).toEqual({ side: 3, offsetX: 0, offsetY: 1, width: 3, height: 1 });
    expect(Array.from(sq.data.subarray(9, 18))).toEqual([100, 100, 100, 101, 101, 101, 102, 102, 102]);
    expect(sq.data.subarray(0, 9).every((v) => v === 0) && sq.data.subarray(18).every((v) => v === 0)).toBe(true);
    const map = Float32Array.from({ length: 9 }, (_, i) => i);
    expect(Array.from(cropSquareMap(map, placement))).toEqual([3, 4, 5]);
  });

  it('uses floor((S − W)/2) like PIL paste for odd differences', () => {
    expect(squarePlacement(2, 5)).toEqual({ side: 5, offsetX: 1, offsetY: 0, width: 2, height: 5 });
  });

  it('rejects zero-area images', () => {
    expect(() => squarePlacement(0, 4)).toThrow(PipelineError);
    expect(() => padToSquare({ width: 2, height: 2, data: new Uint8Array(11) })).toThrow(/length 11, expected 12/);
  });
});

describe('normalisation', () => {
  const img = image(2, 1, (x, _y, c) => (x === 0 ? [0, 255, 51][c] : 255));
  it('SD: x/127.5 − 1, planar', () => {
    const p = toSdPixels(img);
    expect(Array.from(p)).toEqual([-1, 1, 1, 1, 51 / 127.5 - 1, 1].map((v) => Math.fround(v)));
  });
  it('CLIP: (x/255 − mean)/std', () => {
    const p = toClipPixels(img);
    expect(p[0]).toBeCloseTo((0 - 0.48145466) / 0.26862954, 5);
    expect(p[5]).toBeCloseTo((1 - 0.40821073) / 0.27577711, 5);
  });
  it('SAM: (x − mean)/std on 0..255 and bottom/right zero padding', () => {
    const p = toSamPixels(img);
    expect(p[2]).toBeCloseTo((255 - 116.28) / 57.12, 4);
    const padded = padPlanesBottomRight(p, 2, 1, 3);
    expect(padded.length).toBe(27);
    expect(padded[0]).toBe(p[0]);
    expect(padded[1]).toBe(p[1]);
    expect(padded[9]).toBe(p[2]);
    expect(padded[3]).toBe(0);
  });
});

describe('model inputs', () => {
  it('SAM longest side: new = int(old·scale + 0.5)', () => {
    expect(samResizedSize(640, 480)).toEqual({ width: 1024, height: 768 });
    // 333 · 1024/500 = 681.98 → 682
    expect(samResizedSize(500, 333)).toEqual({ width: 1024, height: 682 });
  });

  it('prepareSamInput pads to 1024² and leaves the padding at 0', async () => {
    const s = await prepareSamInput(image(64, 32, () => 128));
    expect([s.resizedWidth, s.resizedHeight]).toEqual([1024, 512]);
    expect(s.pixels.length).toBe(3 * 1024 * 1024);
    expect(s.pixels[0]).toBeCloseTo((128 - 123.675) / 58.395, 4);
    expect(s.pixels[600 * 1024]).toBe(0);
  });

  it('prepareSdInput pads, resizes and scales to [−1, 1]; size must be a multiple of 64', async () => {
    const s = await prepareSdInput(image(40, 20, () => 255), 64);
    expect(s.pixels.length).toBe(3 * 64 * 64);
    expect(s.placement).toEqual({ side: 40, offsetX: 0, offsetY: 10, width: 40, height: 20 });
    expect(s.pixels[0]).toBeCloseTo(-1, 5); // top padding row
    expect(s.pixels[32 * 64 + 32]).toBeCloseTo(1, 2); // centre of the white image
    await expect(prepareSdInput(image(4, 4, () => 0), 100)).rejects.toThrow(/multiple of 64, got 100/);
  });
});
