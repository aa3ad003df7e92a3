/**
 * CLIP vision at any resolution (issue 13 pt 1) and per-layer readouts of the masked encoder (pt 3), checked against
 * values computed here independently: a plain bicubic (a = −0.75, align_corners=False, torch's scale-factor
 * coordinates) of the position table read out of the graph's initializer, and a layernorm + projection in
 * TypeScript of the hidden state after each layer. On a temporary copy of ../shared/real-exports, the fixture's
 * CLIP export and the tiny test graph.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClipVision } from '../fixture/clip-exports';
import { buildModel, float16BitsToFloat32 } from '../onnx/graph-builder';
import { softmaxSites } from '../onnx/graph-analysis';
import { onnx, OnnxDataType } from '../onnx/onnx-proto';
import { editModel, readGraphSummary, readInitializer } from '../onnx/wire';
import { createOnnxRuntime } from '../runtime/onnx-runtime';
import type { HostTensor, ModelSession } from '../runtime/runtime.types';
import { toFloat32, zeros } from '../runtime/tensors';
import { copyRealExports, realExportsAvailable } from '../testing/real-exports';
import { tinyClipVision } from '../testing/tiny-encoders';
import { regionTokenEncoder } from './clip-readout-surgery';
import { addClipAttentionBias, ATTENTION_BIAS_INPUT } from './clip-surgery';
import { interpolateClipPositions } from './clip-position-surgery';

// ---- the independent reference: torch's upsample_bicubic2d (align_corners=False, scale factor given)
function cubic1(x: number, a: number) {
  return ((a + 2) * x - (a + 3)) * x * x + 1;
}
function cubic2(x: number, a: number) {
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}
function coefficients(t: number, a = -0.75): number[] {
  return [cubic2(t + 1, a), cubic1(t, a), cubic1(1 - t, a), cubic2(2 - t, a)];
}
/** [C, h0, w0] → [C, h, w]; source coordinate (dst + 0.5)/scale − 0.5, neighbours clamped at the border */
function bicubic(src: Float64Array, c: number, h0: number, w0: number, h: number, w: number, scaleH: number, scaleW: number): Float64Array {
  const out = new Float64Array(c * h * w);
  const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
  for (let oy = 0; oy < h; oy++) {
    const ry = (oy + 0.5) / scaleH - 0.5;
    const iy = Math.floor(ry);
    const wy = coefficients(ry - iy);
    for (let ox = 0; ox < w; ox++) {
      const rx = (ox + 0.5) / scaleW - 0.5;
      const ix = Math.floor(rx);
      const wx = coefficients(rx - ix);
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let j = 0; j < 4; j++) {
          const y = clamp(iy - 1 + j, h0);
          let row = 0;
          for (let i = 0; i < 4; i++) row += wx[i] * src[ch * h0 * w0 + y * w0 + clamp(ix - 1 + i, w0)];
          acc += wy[j] * row;
        }
        out[ch * h * w + oy * w + ox] = acc;
      }
    }
  }
  return out;
}

/** The reference's interpolate_pos_encoding for an H×W image: [1 + gh·gw, D] rows. */
function expectedTable(table: Float64Array, t0: number, d: number, patch: number, H: number, W: number): Float64Array {
  const g0 = Math.round(Math.sqrt(t0 - 1));
  const gh = Math.floor(H / patch);
  const gw = Math.floor(W / patch);
  if (gh * gw === g0 * g0 && H === W) return table.slice(0, t0 * d);
  const planes = new Float64Array(d * g0 * g0);
  for (let p = 0; p < g0 * g0; p++) for (let ch = 0; ch < d; ch++) planes[ch * g0 * g0 + p] = table[(1 + p) * d + ch];
  const r = bicubic(planes, d, g0, g0, gh, gw, (gh + 0.1) / g0, (gw + 0.1) / g0);
  const out = new Float64Array((1 + gh * gw) * d);
  out.set(table.subarray(0, d));
  for (let p = 0; p < gh * gw; p++) for (let ch = 0; ch < d; ch++) out[(1 + p) * d + ch] = r[ch * gh * gw + p];
  return out;
}

/** A float initializer's values, following Identity nodes (exporters alias shared weights that way). */
function floatValues(bytes: Uint8Array, name: string): { dims: number[]; values: Float64Array } {
  const g = readGraphSummary(bytes, 'test');
  let n = name;
  for (let p = g.nodes.find((x) => x.output.includes(n)); p && p.opType === 'Identity'; p = g.nodes.find((x) => x.output.includes(n))) n = p.input[0];
  const info = readInitializer(bytes, n, 'test');
  if (!info) throw new Error(`no initializer ${n}`);
  const t = info.tensor;
  const count = info.dims.reduce((a, b) => a * b, 1);
  const values = new Float64Array(count);
  const raw = t.rawData && t.rawData.length > 0 ? Buffer.from(t.rawData) : null;
  for (let i = 0; i < count; i++) {
    if (info.dataType === OnnxDataType.FLOAT) values[i] = raw ? raw.readFloatLE(4 * i) : t.floatData[i];
    else if (info.dataType === OnnxDataType.FLOAT16) values[i] = float16BitsToFloat32(raw ? raw.readUInt16LE(2 * i) : t.int32Data[i]);
    else throw new Error(`initializer ${n} is not float`);
  }
  return { dims: [...info.dims], values };
}

function pixels(h: number, w: number, seed = 1): HostTensor {
  const data = new Float32Array(3 * h * w);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37 + seed) * 1.5;
  return { dtype: 'float32', dims: [1, 3, h, w], data };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const runtime = createOnnxRuntime({ executionProvider: 'cpu', graphOptimization: 'basic' });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refdiff-clip-any-size-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Export {
  readonly name: string;
  readonly bytes: () => Promise<Uint8Array>;
  readonly patch: number;
  readonly size: number;
  readonly dispose?: () => Promise<void>;
}

function checks(make: () => Promise<Export>) {
  let ex: Export;
  let original: ModelSession;
  let resized: ModelSession;
  let masked: ModelSession;
  let bytes: Uint8Array;
  let surgery: ReturnType<typeof interpolateClipPositions>;
  let layers: { outputs: readonly string[]; hidden: readonly string[] };
  const sessions: ModelSession[] = [];
  beforeAll(async () => {
    ex = await make();
    bytes = await ex.bytes();
    surgery = interpolateClipPositions(bytes, ex.name);
    const probeOut = editModel(surgery.bytes, { appendOutputs: [onnx.ValueInfoProto.create({ name: surgery.interpolated })] }, ex.name);
    const g = readGraphSummary(surgery.bytes, ex.name);
    const sites = softmaxSites(g, 'self_attn');
    const logits = await (async () => {
      const p = join(dir, `${ex.name}-probe.onnx`);
      await writeFile(p, editModel(bytes, { appendOutputs: [onnx.ValueInfoProto.create({ name: sites[0].logits })] }, ex.name));
      const s = await runtime.load(p, 'probe');
      const o = await s.run({ pixel_values: pixels(ex.size, ex.size) }, [sites[0].logits]);
      await s.dispose();
      return o[sites[0].logits].dims;
    })();
    const rank = logits.length as 3 | 4;
    const heads = rank === 4 ? logits[1] : logits[0];
    const biased = addClipAttentionBias(surgery.bytes, sites, { logitsRank: rank, dtype: 'float32', heads, tokens: 'tokens', batchDim: 'batch_size' }, ex.name);
    const r = regionTokenEncoder(biased, readGraphSummary(biased, ex.name), sites, surgery.embeddings, ex.name);
    if ('unsupported' in r) throw new Error(r.unsupported);
    layers = r;
    const maskedBytes = editModel(r.bytes, { appendOutputs: r.hidden.filter((h: string) => h !== 'last_hidden_state').map((h: string) => onnx.ValueInfoProto.create({ name: h })) }, ex.name);
    const write = async (n: string, b: Uint8Array) => {
      const p = join(dir, `${ex.name}-${n}.onnx`);
      await writeFile(p, b);
      const s = await runtime.load(p, n);
      sessions.push(s);
      return s;
    };
    original = await write('original', bytes);
    resized = await write('resized', probeOut);
    masked = await write('masked', maskedBytes);
  });
  afterAll(async () => {
    for (const s of sessions) await s.dispose();
    await ex?.dispose?.();
  });

  it('at the export size the new graph equals the original (image_embeds bit for bit up to 1e-6)', async () => {
    const px = pixels(ex.size, ex.size);
    const a = toFloat32((await original.run({ pixel_values: px }, ['image_embeds'])).image_embeds);
    const b = toFloat32((await resized.run({ pixel_values: px }, ['image_embeds'])).image_embeds);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-6);
  });

  it('at other sizes the position table equals a bicubic interpolation computed here from the initializer', async () => {
    const { dims, values } = floatValues(bytes, surgery.table);
    const t0 = dims.length === 3 ? dims[1] : dims[0];
    const d = dims[dims.length - 1];
    const p = ex.patch;
    const S = ex.size;
    // non-square, larger, smaller, grid equal to the original but pixels not square (the reference interpolates
    // then), and a remainder the patch Conv drops
    for (const [H, W] of [
      [S + 4 * p, S - 3 * p],
      [S + 2 * p, S + 2 * p],
      [S - 2 * p, S + p],
      [S, S + Math.floor(p / 2)],
      [S + p + 5, S + 3],
    ]) {
      const out = await resized.run({ pixel_values: pixels(H, W) }, ['image_embeds', surgery.interpolated]);
      const got = toFloat32(out[surgery.interpolated]);
      const want = expectedTable(values, t0, d, p, H, W);
      expect(out[surgery.interpolated].dims).toEqual([1, 1 + Math.floor(H / p) * Math.floor(W / p), d]);
      const scale = Math.max(...Array.from(values, Math.abs));
      expect(maxAbsDiff(got, want) / scale, `${H}×${W}`).toBeLessThan(1e-5);
      expect(out.image_embeds.dims[0]).toBe(1);
    }
  });

  it('the region-token encoder: one region with a zero bias is the plain encoder at another size', async () => {
    const H = ex.size + 2 * ex.patch;
    const W = ex.size - ex.patch;
    const T = 1 + Math.floor(H / ex.patch) * Math.floor(W / ex.patch);
    const px = pixels(H, W, 3);
    const plain = toFloat32((await resized.run({ pixel_values: px }, ['image_embeds'])).image_embeds);
    const out = await masked.run({ pixel_values: px, [ATTENTION_BIAS_INPUT]: zeros('float32', [1, 1, T, T]) }, ['image_embeds', 'region_embeds']);
    const tol = 1e-5 * Math.max(1, ...Array.from(plain, Math.abs));
    expect(maxAbsDiff(toFloat32(out.image_embeds), plain)).toBeLessThanOrEqual(tol);
    expect(maxAbsDiff(toFloat32(out.region_embeds), plain)).toBeLessThanOrEqual(tol);
  });

  it('N region tokens in one sequence give what each region gives alone; each layer reads layernorm + projection of its tokens', async () => {
    const H = ex.size + ex.patch;
    const W = ex.size - 2 * ex.patch;
    const P = Math.floor(H / ex.patch) * Math.floor(W / ex.patch);
    const px = pixels(H, W, 5);
    const N = 3;
    const inside = (r: number, j: number) => (j * 7 + r * 13) % (r + 2) === 0;
    const biasFor = (regionsInCall: number[]): HostTensor => {
      const n = regionsInCall.length;
      const t = n + P;
      const b = new Float32Array(t * t);
      regionsInCall.forEach((r, i) => {
        for (let c = 0; c < n; c++) if (c !== i) b[i * t + c] = -1e4;
        for (let j = 0; j < P; j++) if (!inside(r, j)) b[i * t + n + j] = -1e4;
      });
      for (let i = n; i < t; i++) for (let c = 0; c < n; c++) b[i * t + c] = -1e4;
      return { dtype: 'float32', dims: [1, 1, t, t], data: b };
    };
    const hiddenNames = layers.hidden;
    const fetch = [...new Set([...layers.outputs, ...hiddenNames])];
    const all = await masked.run({ pixel_values: px, [ATTENTION_BIAS_INPUT]: biasFor([0, 1, 2]) }, fetch);
    const E = toFloat32(all.region_embeds).length / N;
    expect(all.region_embeds.dims).toEqual([N, E]);
    for (let r = 0; r < N; r++) {
      const alone = await masked.run({ pixel_values: px, [ATTENTION_BIAS_INPUT]: biasFor([r]) }, layers.outputs as string[]);
      for (const name of layers.outputs) {
        const row = toFloat32(all[name]).subarray(r * E, (r + 1) * E);
        expect(maxAbsDiff(row, toFloat32(alone[name])), `${name} region ${r}`).toBeLessThan(1e-4);
      }
    }
    // each layer's readout, computed here from that layer's hidden state (token r = region r)
    hiddenNames.forEach((h, k) => {
      const hs = toFloat32(all[h]);
      const d = hs.length / (N + P);
      for (let r = 0; r < N; r++) {
        const want = readoutOf(bytes, hs.subarray(r * d, (r + 1) * d), 1);
        const got = toFloat32(all[layers.outputs[k]]).subarray(r * E, (r + 1) * E);
        expect(maxAbsDiff(want, got), `after layer ${k + 1}, region ${r}`).toBeLessThan(1e-4);
      }
    });
  });
}

/**
 * Reads out token 0 the way each export does, computed here: transformers' post_layernorm (weights read from the
 * graph) + visual projection; the tiny graph's projection alone. Returns [E].
 */
function readoutOf(bytes: Uint8Array, hidden: Float32Array, tokens: number): Float64Array {
  const g = readGraphSummary(bytes, 'readout');
  const d = hidden.length / tokens;
  const cls = Float64Array.from(hidden.subarray(0, d));
  const lnW = g.nodes.find((n) => n.name === '/vision_model/post_layernorm/Mul');
  let x = cls;
  if (lnW) {
    const w = floatValues(bytes, lnW.input[1]).values;
    const lnB = g.nodes.find((n) => n.name === '/vision_model/post_layernorm/Add_1');
    if (!lnB) throw new Error('no post_layernorm bias Add');
    const b = floatValues(bytes, lnB.input[1]).values;
    const mean = x.reduce((a, v) => a + v, 0) / d;
    const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / d;
    x = x.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w[i] + b[i]);
  }
  const proj = g.nodes.find((n) => n.output.includes('image_embeds') && n.opType === 'MatMul');
  if (!proj) throw new Error('no projection MatMul');
  const { dims, values } = floatValues(bytes, proj.input[1]);
  const e = dims[1];
  const out = new Float64Array(e);
  for (let j = 0; j < e; j++) for (let i = 0; i < d; i++) out[j] += x[i] * values[i * e + j];
  return out;
}

describe.runIf(await realExportsAvailable())('CLIP vision at any size: transformers export (../shared/real-exports, temp copy)', () => {
  checks(async () => {
    const copy = await copyRealExports();
    return {
      name: 'real',
      bytes: () => readFile(join(copy.dir, 'clip/onnx/vision_model.onnx')),
      patch: 16,
      size: 224,
      dispose: copy.dispose,
    };
  });
});

describe('CLIP vision at any size: tiny test graph (bh-hw-t layout)', () => {
  checks(async () => ({
    name: 'tiny',
    bytes: async () => buildModel(tinyClipVision({ layout: 'bh-hw-t', symbolicSize: true, size: 64, patch: 16, layers: 3 })),
    patch: 16,
    size: 64,
  }));
});

describe('CLIP vision at any size: the fixture export (position table only; its readout is its own formula)', () => {
  it('interpolates the fixture table as the reference does and keeps 224² unchanged', async () => {
    const bytes = buildClipVision();
    const s = interpolateClipPositions(bytes, 'fixture');
    const p = join(dir, 'fixture.onnx');
    const q = join(dir, 'fixture-original.onnx');
    await writeFile(p, editModel(s.bytes, { appendOutputs: [onnx.ValueInfoProto.create({ name: s.interpolated })] }, 'fixture'));
    await writeFile(q, bytes);
    const a = await runtime.load(p, 'fixture');
    const o = await runtime.load(q, 'fixture original');
    try {
      const { dims, values } = floatValues(bytes, s.table);
      const x = pixels(224, 224);
      expect(maxAbsDiff(toFloat32((await a.run({ pixel_values: x }, ['image_embeds'])).image_embeds), toFloat32((await o.run({ pixel_values: x }, ['image_embeds'])).image_embeds))).toBe(0);
      for (const [H, W] of [[320, 240], [160, 200]]) {
        const out = await a.run({ pixel_values: pixels(H, W) }, ['image_embeds', s.interpolated]);
        expect(maxAbsDiff(toFloat32(out[s.interpolated]), expectedTable(values, dims[0], dims[1], 8, H, W))).toBeLessThan(1e-5);
      }
    } finally {
      await a.dispose();
      await o.dispose();
    }
  });
});
