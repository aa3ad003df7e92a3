import { describe, expect, it } from 'vitest';
import type { UnetAttentionReadout } from '../ports/ref-diff-models';
import { resizeBilinear } from '../image/bilinear-resize';
import { cropSquareMap, squarePlacement } from '../image/square-pad';
import { aggregateAttention, minMaxNormalize, type AttentionAggregateOptions, type AttentionMap } from './attention-aggregate';
import { PipelineError } from '../errors/pipeline.errors';
import { attentionToImage, attentionToImageTwoPass, attentionToImageWithTotal } from './attention-to-image';

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
        // with the total taken while writing (the engine's path): the same values, and the row-major float64 sum
        const withTotal = attentionToImageWithTotal({ side, data }, placement, 1e-8, new Float32Array(W * H).fill(-1));
        const fresh = attentionToImageWithTotal({ side, data }, placement);
        const t = new Uint32Array(withTotal.c.buffer);
        const f = new Uint32Array(fresh.c.buffer);
        const a = new Uint32Array(got.buffer);
        const b = new Uint32Array(want.buffer);
        let differ = 0;
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || again[i] !== b[i] || t[i] !== b[i] || f[i] !== b[i]) differ++;
        expect(differ, `${W}×${H} from ${side}², kind ${kinds.indexOf(kind)}`).toBe(0);
        let total = 0;
        for (let i = 0; i < want.length; i++) total += want[i];
        expect(Object.is(withTotal.total, total) && Object.is(fresh.total, total), `total, ${W}×${H} from ${side}², kind ${kinds.indexOf(kind)}`).toBe(true);
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
    // the total on that path too (the two-pass code's values, summed in index order)
    const withTotal = attentionToImageWithTotal({ side: 4, data: top }, squarePlacement(8, 2));
    expect(Array.from(withTotal.c)).toEqual(Array.from(c));
    expect(withTotal.total).toBe(Array.from(c).reduce((x, y) => x + y, 0));
    expect(() => attentionToImageWithTotal({ side: 4, data }, squarePlacement(8, 8))).toThrow(/map\[\d+\] is NaN/);
  });
  it('constant map → zeros; NaN → error', () => {
    const m = new Float32Array(3).fill(2);
    minMaxNormalize(m);
    expect(Array.from(m)).toEqual([0, 0, 0]);
    expect(() => minMaxNormalize(Float32Array.from([0, NaN]))).toThrow(/map\[1\] is NaN/);
  });
});

// The one-column-at-a-time aggregation before the single-pass columns (commit bf37139), verbatim: the reference the
// engine's aggregateAttention is compared with bit for bit.
interface ReadoutShape {
  readonly batch: number;
  readonly heads: number;
  readonly hw: number;
  readonly t: number;
  /** element offset of (b, h, p, 0) = b·bStride + h·hStride + p·t */
  readonly bStride: number;
  readonly hStride: number;
}

function readoutShape(r: UnetAttentionReadout): ReadoutShape {
  const d = r.dims;
  const bad = (why: string) =>
    new PipelineError('INVALID_SHAPE', `attention readout ${r.layer} (${r.layout}, dims [${d.join(', ')}]): ${why}`);
  if (r.layout === 'b-h-hw-t') {
    if (d.length !== 4) throw bad('expected 4 dims [B, heads, HW, T]');
    if (d[1] !== r.heads) throw bad(`heads dim ${d[1]} ≠ heads ${r.heads}`);
    const [batch, heads, hw, t] = d;
    return { batch, heads, hw, t, bStride: heads * hw * t, hStride: hw * t };
  }
  if (d.length !== 3) throw bad('expected 3 dims');
  const [bh, hw, t] = d;
  if (r.layout === 'bh-hw-t') {
    if (!(r.heads > 0) || bh % r.heads !== 0) throw bad(`first dim ${bh} is not a multiple of heads ${r.heads}`);
    return { batch: bh / r.heads, heads: r.heads, hw, t, bStride: r.heads * hw * t, hStride: hw * t };
  }
  if (r.layout === 'b-hw-t') return { batch: bh, heads: 1, hw, t, bStride: hw * t, hStride: 0 };
  throw bad(`unknown layout ${String(r.layout)}`);
}

/** Head- and token-averaged column of batch element b: [HW]. */
function column(r: UnetAttentionReadout, s: ReadoutShape, b: number, tokens: readonly number[], out: Float64Array): void {
  out.fill(0);
  const data = r.data;
  const norm = 1 / (s.heads * tokens.length);
  for (let h = 0; h < s.heads; h++) {
    for (const tok of tokens) {
      let o = b * s.bStride + h * s.hStride + tok;
      for (let p = 0; p < s.hw; p++, o += s.t) out[p] += data[o];
    }
  }
  for (let p = 0; p < s.hw; p++) {
    out[p] *= norm;
    if (out[p] - out[p] !== 0) {
      throw new PipelineError('INVALID_VALUE', `attention readout ${r.layer}: non-finite value at batch ${b}, pixel ${p}`);
    }
  }
}

/** minMaxNormalize for the Float64 columns, kept monomorphic (one element type per hot loop). */
function normalizeColumn(map: Float64Array, epsilon = 1e-8): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (v - v !== 0) throw new PipelineError('INVALID_VALUE', `map[${i}] is ${v}; every value must be finite`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const inv = 1 / (max - min + epsilon);
  for (let i = 0; i < map.length; i++) map[i] = (map[i] - min) * inv;
}

/**
 * Cross-attention readouts (one per layer and UNet step) → one map at the readouts' resolution: for each readout,
 * head average, token column(s), guidance, min-max; then the mean over readouts. Readouts of different
 * resolutions are bilinearly resized to the largest before averaging.
 */
function aggregateAttentionReference(readouts: readonly UnetAttentionReadout[], options: AttentionAggregateOptions): AttentionMap {
  if (readouts.length === 0) throw new PipelineError('INVALID_SHAPE', 'aggregateAttention needs at least one readout, got 0');
  if (options.tokens.length === 0) throw new PipelineError('INVALID_VALUE', 'aggregateAttention needs at least one token index');
  if (options.guidance.mode === 'cfg' && !Number.isFinite(options.guidance.scale)) {
    throw new PipelineError('INVALID_VALUE', `guidance scale must be finite, got ${options.guidance.scale}`);
  }
  const shapes = readouts.map((r) => {
    const s = readoutShape(r);
    const side = Math.round(Math.sqrt(s.hw));
    if (side * side !== s.hw) {
      throw new PipelineError('INVALID_SHAPE', `attention readout ${r.layer}: HW = ${s.hw} is not a square`);
    }
    if (r.data.length !== s.batch * s.heads * s.hw * s.t) {
      throw new PipelineError(
        'INVALID_SHAPE',
        `attention readout ${r.layer}: data length ${r.data.length} ≠ product of dims [${r.dims.join(', ')}]`,
      );
    }
    for (const tok of options.tokens) {
      if (!Number.isInteger(tok) || tok < 0 || tok >= s.t) {
        throw new PipelineError('INVALID_VALUE', `token index ${tok} out of range [0, ${s.t}) for readout ${r.layer}`);
      }
    }
    return { ...s, side };
  });
  const side = Math.max(...shapes.map((s) => s.side));
  const acc = new Float64Array(side * side);
  for (let k = 0; k < readouts.length; k++) {
    const r = readouts[k];
    const s = shapes[k];
    const cond = options.condIndex ?? s.batch - 1;
    if (cond < 0 || cond >= s.batch) {
      throw new PipelineError('INVALID_VALUE', `cond index ${cond} out of range for batch ${s.batch} (${r.layer})`);
    }
    const map = new Float64Array(s.hw);
    column(r, s, cond, options.tokens, map);
    if (options.guidance.mode === 'cfg') {
      const uncond = options.uncondIndex ?? 0;
      if (uncond < 0 || uncond >= s.batch || uncond === cond) {
        throw new PipelineError(
          'INVALID_VALUE',
          `classifier-free guidance needs a distinct uncond sample; uncond index ${uncond}, cond ${cond}, batch ${s.batch} (${r.layer})`,
        );
      }
      const u = new Float64Array(s.hw);
      column(r, s, uncond, options.tokens, u);
      const g = options.guidance.scale;
      for (let p = 0; p < s.hw; p++) map[p] = u[p] + g * (map[p] - u[p]);
    }
    normalizeColumn(map, options.epsilon);
    if (s.side === side) {
      for (let p = 0; p < s.hw; p++) acc[p] += map[p];
    } else {
      const up = resizeBilinear(Float32Array.from(map), 1, s.side, s.side, side, side);
      for (let p = 0; p < up.length; p++) acc[p] += up[p];
    }
  }
  const data = new Float32Array(side * side);
  const inv = 1 / readouts.length;
  for (let p = 0; p < data.length; p++) data[p] = acc[p] * inv;
  return { data, side };
}

describe('aggregateAttention against the one-column-at-a-time reference', () => {
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  function randomReadout(layout: UnetAttentionReadout['layout'], B: number, heads: number, side: number, T: number, kind: number): UnetAttentionReadout {
    const hw = side * side;
    const h = layout === 'b-hw-t' ? 1 : heads;
    const data = new Float32Array(B * h * hw * T);
    for (let i = 0; i < data.length; i++) {
      const x = rnd();
      // logits (large, signed), softmax-like probabilities (small), ties of a few values, exact zeros, and magnitudes
      // from 2⁻⁴⁰ to 2⁴⁰ (float32 values add exactly in float64 unless their exponents are far apart: only then does
      // the order of the sums show)
      data[i] =
        kind === 0 ? (x - 0.5) * 40 : kind === 1 ? x * x * 1e-3 : kind === 2 ? Math.floor(x * 4) / 4 : kind === 3 ? (x < 0.5 ? 0 : x) : (rnd() - 0.5) * 2 ** Math.floor(x * 80 - 40);
    }
    const dims = layout === 'b-hw-t' ? [B, hw, T] : layout === 'bh-hw-t' ? [B * heads, hw, T] : [B, heads, hw, T];
    return { layer: `l${side}`, level: 4, kind: 'logits', layout, heads: h, dims, data };
  }
  const run = (f: typeof aggregateAttention, rs: UnetAttentionReadout[], o: AttentionAggregateOptions): AttentionMap | string => {
    try {
      return f(rs, o);
    } catch (err) {
      return err instanceof PipelineError ? `${err.code}: ${err.message}` : String(err);
    }
  };

  it('gives the same bits on random readouts: layouts, heads, tokens, CFG and cond, several readouts and sizes', () => {
    const layouts: UnetAttentionReadout['layout'][] = ['bh-hw-t', 'b-h-hw-t', 'b-hw-t'];
    for (let trial = 0; trial < 100; trial++) {
      const layout = layouts[trial % 3];
      const B = 2 + 2 * (trial % 3);
      const heads = 1 + (trial % 5);
      const T = 5 + (trial % 7);
      const kind = Math.floor(trial / 4) % 5;
      const sides = trial % 5 === 0 ? [4, 8, 8] : trial % 5 === 1 ? [6] : [8, 8, 8, 8];
      const rs = sides.map((s) => randomReadout(layout, B, heads, s, T, kind));
      const tokens = trial % 4 === 0 ? [1, T - 1] : trial % 4 === 1 ? [0, 2, 3] : [Math.floor(rnd() * T)];
      const cfg = trial % 2 === 0;
      const pair = Math.floor(rnd() * (B / 2));
      const o: AttentionAggregateOptions = cfg
        ? { tokens, guidance: { mode: 'cfg', scale: [9, 7.5, 1, -3][trial % 4] }, condIndex: 2 * pair + 1, uncondIndex: 2 * pair }
        : { tokens, guidance: { mode: 'cond' }, condIndex: Math.floor(rnd() * B), epsilon: trial % 3 === 0 ? 1e-6 : undefined };
      const got = aggregateAttention(rs, o);
      const want = aggregateAttentionReference(rs, o);
      expect(got.side).toBe(want.side);
      expect(bits(got.data)).toEqual(bits(want.data));
    }
  });

  it('reports the same error: non-finite values (cond before uncond), bad indices', () => {
    const cases: [string, (r: UnetAttentionReadout) => void, AttentionAggregateOptions][] = [
      ['NaN in cond', (r) => (r.data[1 * 2 * 16 * 5 + 3 * 5 + 2] = NaN), { tokens: [2], guidance: { mode: 'cfg', scale: 9 }, condIndex: 1, uncondIndex: 0 }],
      ['+Inf in uncond', (r) => (r.data[7 * 5 + 2] = Infinity), { tokens: [2], guidance: { mode: 'cfg', scale: 9 }, condIndex: 1, uncondIndex: 0 }],
      ['both', (r) => { r.data[9 * 5 + 2] = -Infinity; r.data[2 * 16 * 5 + 12 * 5 + 2] = NaN; }, { tokens: [2], guidance: { mode: 'cfg', scale: 9 }, condIndex: 1, uncondIndex: 0 }],
      ['token not read', (r) => (r.data[4 * 5 + 3] = NaN), { tokens: [2], guidance: { mode: 'cfg', scale: 9 }, condIndex: 1, uncondIndex: 0 }],
      ['uncond = cond', () => undefined, { tokens: [2], guidance: { mode: 'cfg', scale: 9 }, condIndex: 1, uncondIndex: 1 }],
      ['uncond = cond, NaN in cond', (r) => (r.data[2 * 16 * 5 + 2] = NaN), { tokens: [2], guidance: { mode: 'cfg', scale: 9 }, condIndex: 1, uncondIndex: 1 }],
      ['uncond out of range', () => undefined, { tokens: [2], guidance: { mode: 'cfg', scale: 9 }, condIndex: 1, uncondIndex: 2 }],
      ['cond out of range', () => undefined, { tokens: [2], guidance: { mode: 'cond' }, condIndex: -1 }],
      ['overflow in the sum', (r) => { r.data[5 * 5 + 2] = 3e38; r.data[16 * 5 + 5 * 5 + 2] = 3e38; }, { tokens: [2], guidance: { mode: 'cond' }, condIndex: 0 }],
    ];
    for (const [name, poison, o] of cases) {
      const r = readout('b-h-hw-t', 2, 2, 16, 5);
      poison(r);
      const got = run(aggregateAttention, [r], o);
      const want = run(aggregateAttentionReference, [r], o);
      expect(typeof got === 'string' ? got : bits(got.data), name).toEqual(typeof want === 'string' ? want : bits(want.data));
    }
  });
});
