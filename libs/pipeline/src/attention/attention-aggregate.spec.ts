import { describe, expect, it } from 'vitest';
import type { UnetAttentionReadout } from '../ports/ref-diff-models';
import { resizeBilinear } from '../image/bilinear-resize';
import { cropSquareMap, squarePlacement } from '../image/square-pad';
import { aggregateAttention, minMaxNormalize } from './attention-aggregate';
import { attentionToImage, attentionToImageTwoPass } from './attention-to-image';

/** value of batch b, head h, pixel p, token t in a synthetic tensor */
const val = (b: number, h: number, p: number, t: number) => Math.sin(1 + b * 7 + h * 3 + p * 0.7 + t * 0.31) * (1 + h);

function readout(layout: UnetAttentionReadout['layout'], B: number, heads: number, hw: number, T: number): UnetAttentionReadout {
  if (layout === 'b-hw-t') {
    const data = new Float32Array(B * hw * T);
    for (let b = 0; b < B; b++)
      for (let p = 0; p < hw; p++)
        for (let t = 0; t < T; t++) {
          let m = 0;
          for (let h = 0; h < heads; h++) m += val(b, h, p, t);
          data[(b * hw + p) * T + t] = m / heads;
        }
    return { layer: 'l', level: 4, kind: 'logits', layout, heads: 1, dims: [B, hw, T], data };
  }
  const data = new Float32Array(B * heads * hw * T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < heads; h++)
      for (let p = 0; p < hw; p++) for (let t = 0; t < T; t++) data[((b * heads + h) * hw + p) * T + t] = val(b, h, p, t);
  const dims = layout === 'bh-hw-t' ? [B * heads, hw, T] : [B, heads, hw, T];
  return { layer: 'l', level: 4, kind: 'logits', layout, heads, dims, data };
}

describe('aggregateAttention', () => {
  it('reads all three layouts identically (head average, token column, CFG, min-max)', () => {
    const opts = { tokens: [2], guidance: { mode: 'cfg', scale: 9 } } as const;
    const a = aggregateAttention([readout('bh-hw-t', 2, 4, 16, 5)], opts);
    const b = aggregateAttention([readout('b-h-hw-t', 2, 4, 16, 5)], opts);
    const c = aggregateAttention([readout('b-hw-t', 2, 4, 16, 5)], opts);
    expect(a.side).toBe(4);
    for (let i = 0; i < 16; i++) {
      expect(b.data[i]).toBeCloseTo(a.data[i], 6);
      expect(c.data[i]).toBeCloseTo(a.data[i], 5);
    }
  });

  it('matches a hand-written reference: u + 9(c − u) per pixel, then min-max', () => {
    const r = readout('b-h-hw-t', 2, 2, 4, 3);
    const got = aggregateAttention([r], { tokens: [1], guidance: { mode: 'cfg', scale: 9 } });
    const raw = [0, 1, 2, 3].map((p) => {
      const u = (val(0, 0, p, 1) + val(0, 1, p, 1)) / 2;
      const c = (val(1, 0, p, 1) + val(1, 1, p, 1)) / 2;
      return u + 9 * (c - u);
    });
    const mn = Math.min(...raw);
    const mx = Math.max(...raw);
    raw.forEach((v, p) => expect(got.data[p]).toBeCloseTo((v - mn) / (mx - mn), 5));
  });

  it('cond mode reads only the conditional sample and averages token columns and readouts', () => {
    const r1 = readout('b-h-hw-t', 1, 2, 4, 3);
    const got = aggregateAttention([r1, r1], { tokens: [0, 2], guidance: { mode: 'cond' } });
    const raw = [0, 1, 2, 3].map((p) => (val(0, 0, p, 0) + val(0, 1, p, 0) + val(0, 0, p, 2) + val(0, 1, p, 2)) / 4);
    const mn = Math.min(...raw);
    const mx = Math.max(...raw);
    raw.forEach((v, p) => expect(got.data[p]).toBeCloseTo((v - mn) / (mx - mn), 5));
  });

  it('bad input: NaN, token out of range, non-square HW, wrong length, no readouts', () => {
    const r = readout('b-h-hw-t', 2, 2, 4, 3);
    r.data[((1 * 2 + 0) * 4 + 1) * 3 + 1] = NaN; // cond sample, head 0, pixel 1, token 1
    expect(() => aggregateAttention([r], { tokens: [1], guidance: { mode: 'cond' } })).toThrow(/non-finite/);
    expect(() => aggregateAttention([readout('b-h-hw-t', 2, 2, 4, 3)], { tokens: [3], guidance: { mode: 'cond' } })).toThrow(/token index 3/);
    expect(() => aggregateAttention([readout('b-h-hw-t', 2, 2, 6, 3)], { tokens: [0], guidance: { mode: 'cond' } })).toThrow(/HW = 6 is not a square/);
    const short = { ...readout('bh-hw-t', 2, 2, 4, 3), data: new Float32Array(3) };
    expect(() => aggregateAttention([short], { tokens: [0], guidance: { mode: 'cond' } })).toThrow(/data length 3/);
    expect(() => aggregateAttention([], { tokens: [0], guidance: { mode: 'cond' } })).toThrow(/at least one readout/);
    expect(() => aggregateAttention([readout('b-h-hw-t', 1, 2, 4, 3)], { tokens: [0], guidance: { mode: 'cfg', scale: 9 } })).toThrow(/distinct uncond/);
  });
});

describe('attentionToImage and minMaxNormalize', () => {
  it('resizes to the square, crops the padding and renormalises to [0, 1]', () => {
    // 2×2 map [0, 1; 0, 1] → 4×4 square; image 4×2 sits at rows 1..2
    const c = attentionToImage({ side: 2, data: Float32Array.from([0, 1, 0, 1]) }, squarePlacement(4, 2));
    expect(Array.from(c)).toEqual([0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1].map((v) => Math.fround(v / (1 + 1e-8))));
  });
  it('is bit-identical to resizeBilinear → cropSquareMap → minMaxNormalize (the previous implementation)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const sizes: [number, number, number][] = [
      [8, 524, 635], [8, 635, 524], [16, 640, 480], [64, 333, 500], [4, 7, 3], [32, 32, 32], [64, 1000, 17], [16, 1, 9],
    ];
    for (const [side, W, H] of sizes) {
      const data = new Float32Array(side * side);
      for (let i = 0; i < data.length; i++) data[i] = rnd() * 3 - 1;
      const placement = squarePlacement(W, H);
      const want = cropSquareMap(resizeBilinear(data, 1, side, side, placement.side, placement.side), placement);
      minMaxNormalize(want);
      const got = attentionToImage({ side, data }, placement);
      expect(got.length).toBe(want.length);
      const a = new Uint32Array(got.buffer);
      const b = new Uint32Array(want.buffer);
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
      expect(differ, `${W}×${H} from ${side}²`).toBe(0);
    }
  });
  it('takes min and max from the extreme rows of each source-row pair: the same bits as the two-pass implementation', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const kinds: ((i: number, side: number) => number)[] = [
      () => rnd(), // noise
      (i, side) => Math.sin(i % side) * Math.cos(i / side / 3), // smooth
      () => Math.floor(rnd() * 4) / 4, // few levels: ties on every row
      () => 0.25, // constant
      (i, side) => (i === side * (side >> 1) + (side >> 1) ? 1 : 0), // one peak inside
      (i) => (i === 0 ? 1 : 0), // the peak in a corner (often in the padding)
      () => (rnd() - 0.5) * 3e38, // near float32's range: the interpolation may overflow
      () => rnd() * 1e-30, // tiny values
    ];
    for (const [side, W, H] of [
      [32, 524, 635], [32, 635, 524], [64, 489, 549], [16, 640, 480], [8, 7, 3], [4, 1, 9], [64, 1000, 17], [2, 5, 5], [1, 3, 2],
    ] as [number, number, number][]) {
      for (const kind of kinds) {
        const data = new Float32Array(side * side);
        for (let i = 0; i < data.length; i++) data[i] = kind(i, side);
        const placement = squarePlacement(W, H);
        const want = attentionToImageTwoPass({ side, data }, placement);
        const got = attentionToImage({ side, data }, placement);
        expect(got.length).toBe(want.length);
        // into a reused buffer holding anything (the non-finite path returns its own array): the same values
        const into = new Float32Array(W * H).fill(NaN);
        const again = new Uint32Array(attentionToImage({ side, data }, placement, 1e-8, into).buffer);
        const a = new Uint32Array(got.buffer);
        const b = new Uint32Array(want.buffer);
        let differ = 0;
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || again[i] !== b[i]) differ++;
        expect(differ, `${W}×${H} from ${side}², kind ${kinds.indexOf(kind)}`).toBe(0);
      }
    }
  });
  it('a non-finite value that reaches the image fails like minMaxNormalize; one only in the padding does not', () => {
    const data = new Float32Array(16).fill(0.5);
    data[5] = NaN;
    expect(() => attentionToImage({ side: 4, data }, squarePlacement(8, 8))).toThrow(/map\[\d+\] is NaN/);
    // a 2×8 image in an 8×8 square reads only source rows 1..2; row 0 holds the NaN
    const top = new Float32Array(16).fill(0.5);
    top[0] = NaN;
    top[9] = 1;
    const c = attentionToImage({ side: 4, data: top }, squarePlacement(8, 2));
    expect(c.every((v) => Number.isFinite(v))).toBe(true);
  });
  it('constant map → zeros; NaN → error', () => {
    const m = new Float32Array(3).fill(2);
    minMaxNormalize(m);
    expect(Array.from(m)).toEqual([0, 0, 0]);
    expect(() => minMaxNormalize(Float32Array.from([0, NaN]))).toThrow(/map\[1\] is NaN/);
  });
});
