import { describe, expect, it } from 'vitest';
import { squarePlacement } from '../image/square-pad';
import { CLIP_MEAN, CLIP_STD, toClipPixels } from '../image/image-normalize';
import { cropNormalization, hardCropInto, maskedClipCrop, planClipCrop } from './clip-crop';
import { clipPatchMasks } from './patch-masks';
import { positionalBias, positionalBiasAxes } from './positional-bias';

describe('positionalBias', () => {
  it('reference ramp for left: linspace(1, 0, ⌊2W/3⌋) then zeros; right mirrors it', () => {
    const left = positionalBias(['left'], 6, 1, 'ramp');
    expect(Array.from(left)).toEqual([1, 2 / 3, 1 / 3, 0, 0, 0].map(Math.fround));
    const right = positionalBias(['right'], 6, 1, 'ramp');
    expect(Array.from(right)).toEqual([0, 0, 0, 1 / 3, 2 / 3, 1].map(Math.fround));
  });
  it('top/bottom along rows; combinations multiply; duplicates count once; no cue → ones', () => {
    const tl = positionalBias(['top', 'left', 'left'], 3, 3, 'ramp');
    // ⌊2·3/3⌋ = 2 → profile [1, 0, 0]
    expect(Array.from(tl)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const b = positionalBias(['bottom'], 1, 4, 'soft');
    expect(Array.from(b)).toEqual([0, 1 / 3, 2 / 3, 1].map(Math.fround));
    expect(positionalBias([], 2, 2).every((v) => v === 1)).toBe(true);
  });
  it('center peaks in the middle and is the product of both axes', () => {
    const c = positionalBias(['center'], 5, 5, 'soft');
    expect(c[12]).toBe(1);
    expect(c[0]).toBe(0);
    expect(c[2]).toBe(0); // top-middle: vertical factor 0
    expect(c[7]).toBeCloseTo(0.5, 6);
  });
  it('rejects unknown cues and zero-area images', () => {
    expect(() => positionalBias(['up' as never], 2, 2)).toThrow(/unknown direction cue 'up'/);
    expect(() => positionalBias(['left'], 0, 2)).toThrow(/positive/);
  });
});

describe('maskedClipCrop', () => {
  const W = 8;
  const H = 4;
  const image = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(200) };
  const mask = new Uint8Array(W * H);
  for (let y = 1; y <= 2; y++) for (let x = 2; x <= 5; x++) mask[y * W + x] = 1; // 4×2 box

  it('short-side: crops to the box, short side 224, aspect kept', async () => {
    const out = await maskedClipCrop(image, mask);
    expect([out.width, out.height]).toEqual([448, 224]);
    expect(out.data[(112 * 448 + 224) * 3]).toBe(200);
  });
  it('applies bias then truncates like astype(uint8), black outside the mask', async () => {
    const bias = new Float32Array(W * H).fill(0.5);
    const out = await maskedClipCrop(image, mask, { bias, mode: 'padded-square', size: 4 });
    expect([out.width, out.height]).toEqual([4, 4]);
    expect(out.data[(2 * 4 + 2) * 3]).toBeGreaterThanOrEqual(90); // 100 inside (resampled)
    expect(out.data[0]).toBe(0); // padding row
  });
  it('empty mask → EMPTY_MASK', async () => {
    await expect(maskedClipCrop(image, new Uint8Array(W * H))).rejects.toMatchObject({ code: 'EMPTY_MASK' });
  });
  it('a given box (the mask\'s own) gives the same crop as the scan; a box outside the image is refused', async () => {
    const ramp = { width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37) % 256) };
    const bias = Float32Array.from({ length: W * H }, (_, i) => 1 - i / (W * H));
    for (const mode of ['short-side', 'padded-square'] as const) {
      const scanned = await maskedClipCrop(ramp, mask, { bias, mode, size: 16 });
      const boxed = await maskedClipCrop(ramp, mask, { bias, mode, size: 16, box: [2, 1, 5, 2] });
      expect(boxed).toEqual(scanned);
    }
    await expect(maskedClipCrop(image, mask, { box: [2, 1, 8, 2] })).rejects.toThrow(/box \[2, 1, 8, 2\] does not lie inside/);
  });
});

describe('P by its axes (the hard branch)', () => {
  const CUES = ['left', 'right', 'top', 'bottom', 'center'] as const;
  it('positionalBias(…)[y·W + x] is fround(axes.y[y] · axes.x[x]) for every cue set, both modes, odd sizes', () => {
    for (const [W, H] of [[7, 5], [1, 9], [640, 3], [31, 480], [2, 2]]) {
      for (let set = 0; set < 32; set++) {
        const cues = CUES.filter((_, k) => set & (1 << k));
        for (const mode of ['ramp', 'soft'] as const) {
          const p = positionalBias(cues, W, H, mode);
          const a = positionalBiasAxes(cues, W, H, mode);
          let differ = 0;
          for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (!Object.is(p[y * W + x], Math.fround(a.y[y] * a.x[x]))) differ++;
          expect(differ, `${W}×${H} ${cues.join('+')} ${mode}`).toBe(0);
        }
      }
    }
  });
  it('planClipCrop with the axes gives the region and size the map gives: random masks, boxes, cue sets', () => {
    let seed = 5;
    const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const W = 97;
    const H = 61;
    const image = { width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, () => Math.floor(rnd() * 256)) };
    for (let trial = 0; trial < 80; trial++) {
      const cues = CUES.filter(() => rnd() < 0.4);
      const mode = rnd() < 0.5 ? ('ramp' as const) : ('soft' as const);
      const x0 = Math.floor(rnd() * W);
      const y0 = Math.floor(rnd() * H);
      const x1 = x0 + Math.floor(rnd() * (W - x0));
      const y1 = y0 + Math.floor(rnd() * (H - y0));
      const mask = new Uint8Array(W * H);
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if (rnd() < 0.7 || (x === x0 && y === y0) || (x === x1 && y === y1)) mask[y * W + x] = 1;
      for (let y = y0; y <= y1; y++) if (!mask[y * W + x0]) mask[y * W + x0] = 1;
      for (let x = x0; x <= x1; x++) if (!mask[y0 * W + x]) mask[y0 * W + x] = 1;
      const crop = { mode: trial % 3 === 0 ? ('padded-square' as const) : ('short-side' as const), size: 24, box: [x0, y0, x1, y1] as const };
      const withMap = planClipCrop(image, mask, { ...crop, bias: positionalBias(cues, W, H, mode) });
      const withAxes = planClipCrop(image, mask, { ...crop, biasAxes: positionalBiasAxes(cues, W, H, mode) });
      expect([withAxes.width, withAxes.height, withAxes.mode]).toEqual([withMap.width, withMap.height, withMap.mode]);
      expect(withAxes.region).toEqual(withMap.region);
    }
    const axes = positionalBiasAxes(['left'], W, H);
    expect(() => planClipCrop(image, new Uint8Array(W * H).fill(1), { biasAxes: axes, bias: positionalBias(['left'], W, H) })).toThrow(/not both/);
    expect(() => planClipCrop(image, new Uint8Array(W * H).fill(1), { biasAxes: positionalBiasAxes(['left'], W + 1, H) })).toThrow(/x axis/);
  });
});

describe('hardCropInto', () => {
  it('writes exactly toClipPixels(maskedClipCrop(…)) for both modes, up- and downscaled crops, with and without P, capped', async () => {
    const W = 300;
    const H = 260;
    let seed = 11;
    const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const image = { width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, () => Math.floor(rnd() * 256)) };
    const bias = positionalBias(['left', 'top'], W, H, 'ramp');
    const norm = cropNormalization(1 / 255, CLIP_MEAN, CLIP_STD);
    const boxes = [[10, 20, 60, 45], [0, 0, 299, 259], [100, 30, 104, 250], [5, 5, 5, 5], [40, 40, 270, 120]];
    for (const [x0, y0, x1, y1] of boxes) {
      const mask = new Uint8Array(W * H);
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if ((x * 7 + y * 3) % 11 !== 0 || (x === x0 && y === y0)) mask[y * W + x] = 1;
      for (const options of [
        { mode: 'short-side', size: 224 },
        { mode: 'short-side', size: 224, maxSide: 300, bias },
        { mode: 'short-side', size: 32, bias },
        { mode: 'padded-square', size: 24, bias },
      ] as const) {
        const want = toClipPixels(await maskedClipCrop(image, mask, options));
        const plan = planClipCrop(image, mask, options);
        for (const simd of [true, false]) {
          const got = new Float32Array(3 * plan.width * plan.height);
          await hardCropInto(plan, norm, got, { simd });
          expect(got.length).toBe(want.length);
          let differ = 0;
          for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) differ++;
          expect(differ, `box ${[x0, y0, x1, y1]} ${JSON.stringify({ ...options, bias: !!options.bias, simd })}`).toBe(0);
        }
      }
    }
  });
});

describe('clipPatchMasks', () => {
  it('nearest-downsamples each mask to the patch grid', () => {
    const m = new Uint8Array(16);
    m[0] = 1; // (0,0)
    m[2 * 4 + 3] = 1; // (row 2, col 3)
    const out = clipPatchMasks([m, new Uint8Array(16).fill(1)], 4, 4, 2);
    // grid cell (gy, gx) samples pixel (2gy, 2gx)
    expect(Array.from(out)).toEqual([1, 0, 0, 0, 1, 1, 1, 1]);
  });
  it('places masks in the padded square: padding cells are 0', () => {
    const m = new Uint8Array(4 * 2).fill(1);
    const out = clipPatchMasks([m], 4, 2, 4, squarePlacement(4, 2));
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(() => clipPatchMasks([new Uint8Array(3)], 4, 2, 4)).toThrow(/mask 0 has length 3/);
  });
});

describe('full-resolution CLIP inputs', () => {
  it('clipPatchMasks on a rectangular grid: torch nearest with a float32 scale', () => {
    // 26 px → 22 cells: the float32 scale 26/22 puts cell 11 on pixel 12 (exact arithmetic would say 13)
    const m = new Uint8Array(26 * 2);
    m[13] = 1;
    m[26 + 12] = 1;
    const out = clipPatchMasks([m], 26, 2, { width: 22, height: 2 });
    expect(out.length).toBe(44);
    expect(out[11]).toBe(0);
    expect(out[22 + 11]).toBe(1);
  });

  it('maskedClipCrop short-side keeps the aspect and caps the long side', async () => {
    const W = 40;
    const H = 10;
    const image = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(200) };
    const mask = new Uint8Array(W * H).fill(1);
    const a = await maskedClipCrop(image, mask, { mode: 'short-side', size: 16 });
    expect([a.width, a.height]).toEqual([64, 16]);
    const b = await maskedClipCrop(image, mask, { mode: 'short-side', size: 16, maxSide: 32 });
    expect([b.width, b.height]).toEqual([32, 8]);
  });
});
