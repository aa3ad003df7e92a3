import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelPackError } from '../errors';
import type { Manifest } from '../manifest/manifest.schema';
import { preparePack } from '../prepare/prepare-pack';
import { createOnnxRuntime } from '../runtime/onnx-runtime';
import type { HostTensor, ModelRuntime } from '../runtime/runtime.types';
import { checkDims } from '../runtime/shape-check';
import { writeTinyExports, type TinyExportOptions } from '../testing/tiny-exports';
import { prng, randomArray } from '../testing/tiny-graphs';
import { loadPack } from './load-pack';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refdiff-pack-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function makePack(name: string, o: TinyExportOptions): Promise<{ out: string; manifest: Manifest; dirs: { sd: string; clip: string; sam: string } }> {
  const dirs = await writeTinyExports(join(root, `exp-${name}`), o);
  const out = join(root, name);
  const { manifest } = await preparePack({ ...dirs, out, name, constants: { sd: { imageSize: 64 } } });
  return { out, manifest, dirs };
}

/** A runtime that records every model load and run, to prove what did (not) happen. */
function recordingRuntime(): { runtime: ModelRuntime; loads: string[]; disposed: string[]; runs: Record<string, Record<string, HostTensor>>[] } {
  const inner = createOnnxRuntime({ executionProvider: 'cpu' });
  const loads: string[] = [];
  const disposed: string[] = [];
  const runs: Record<string, Record<string, HostTensor>>[] = [];
  return {
    loads,
    disposed,
    runs,
    runtime: {
      executionProvider: 'cpu',
      async load(path, label) {
        loads.push(label);
        const s = await inner.load(path, label);
        return {
          ...s,
          inputs: s.inputs,
          outputs: s.outputs,
          label: s.label,
          path: s.path,
          async run(feeds, fetch, signal) {
            const out = await s.run(feeds, fetch, signal);
            runs.push({ [label]: out });
            return out;
          },
          dispose: () => {
            disposed.push(label);
            return s.dispose();
          },
        };
      },
    },
  };
}

function ids(batch: number): Int32Array {
  const a = new Int32Array(batch * 77).fill(63);
  for (let b = 0; b < batch; b++) {
    a[b * 77] = 62;
    a[b * 77 + 1] = 3 + b;
    a[b * 77 + 2] = 10 + b;
  }
  return a;
}

const variants: [string, TinyExportOptions][] = [
  ['hf', { unetLayout: 'bh-hw-t', clipLayout: 'bh-hw-t', sdIds: 'int32', vae: 'latent_sample', sam: 'hf-split' }],
  ['meta', { unetLayout: 'b-h-hw-t', sdIds: 'int64', vae: 'latent_parameters', sam: 'meta-single', unet: { timestep: { dtype: 'float16', shape: 'scalar' } } }],
  ['float-ts', { unetLayout: 'b-h-hw-t', clipTextMask: true, unet: { timestep: { dtype: 'float32', shape: 'batch' } } }],
];

describe.each(variants)('a pack from exports (%s)', (name, options) => {
  let pack: Awaited<ReturnType<typeof makePack>>;
  beforeAll(async () => {
    pack = await makePack(name, options);
  });

  it("every model's outputs have the manifest's dtypes and shapes", async () => {
    const rec = recordingRuntime();
    const models = await loadPack(pack.out, { executionProvider: 'cpu', runtime: rec.runtime });
    expect(rec.loads).toEqual([]); // lazy
    const h = await models.encodeSdText(ids(2), 2);
    await models.encodeClipText(ids(3), 3);
    await models.encodeVae(randomArray(3 * 64 * 64, prng(1)), 64);
    await models.unet({ sample: randomArray(2 * 4 * 64, prng(2)), batch: 2, timestep: 51, encoderHiddenStates: h, attention: { layers: ['mid_block.attentions.0'], kind: 'probs' } });
    await models.encodeClipImage(randomArray(2 * 3 * 32 * 32, prng(3)), 2, 32);
    await models.encodeClipRegions(randomArray(3 * 32 * 32, prng(4)), Uint8Array.from([1, 1, 0, 0, 0, 0, 1, 1]), 2);
    const e = await models.encodeSamImage(randomArray(3 * 64 * 64, prng(5)));
    await models.decodeSamPoints(e, Float32Array.from([1, 2, 30, 40, 60, 10]), 3);
    const roles = Object.keys(pack.manifest.models) as (keyof Manifest['models'])[];
    const ran = new Set(rec.runs.flatMap((r) => Object.keys(r)));
    expect([...ran].sort()).toEqual([...roles].sort());
    for (const run of rec.runs) {
      const [role, outputs] = Object.entries(run)[0] as [keyof Manifest['models'], Record<string, HostTensor>];
      const bindings = new Map<string, number>();
      for (const [tensorName, t] of Object.entries(outputs)) {
        const spec = pack.manifest.models[role].outputs.find((o) => o.name === tensorName);
        expect(spec, `${role}.${tensorName} in manifest`).toBeDefined();
        expect(t.dtype).toBe(spec?.dtype);
        expect(checkDims(spec?.shape ?? [], t.dims, bindings), `${role}.${tensorName} dims ${t.dims}`).toBeNull();
      }
    }
    expect(models.callCounts()).toEqual({ sdText: 1, vae: 1, unet: 1, clipText: 1, clipImage: 1, clipRegions: 1, samEncoder: 1, samDecoder: 1 });
    await models.dispose();
    await expect(models.encodeSdText(ids(1), 1)).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('decodes SAM prompts as a direct call of the decoder does (channels 1..3 for Meta)', async () => {
    const models = await loadPack(pack.out, { executionProvider: 'cpu' });
    const px = randomArray(3 * 64 * 64, prng(9));
    const e = await models.encodeSamImage(px);
    const points = Float32Array.from([5, 6, 40, 20]);
    const got = await models.decodeSamPoints(e, points, 2);
    const rt = createOnnxRuntime({ executionProvider: 'cpu' });
    const enc = await rt.load(join(pack.out, pack.manifest.models.samEncoder.file), 'enc');
    const dec = await rt.load(join(pack.out, pack.manifest.models.samDecoder.file), 'dec');
    const emb = await enc.run({ pixel_values: { dtype: 'float32', dims: [1, 3, 64, 64], data: px } });
    const l = 8;
    if (pack.manifest.models.samDecoder.variant === 'hf-split') {
      const r = await dec.run({
        image_embeddings: emb.image_embeddings,
        image_positional_embeddings: emb.image_positional_embeddings,
        input_points: { dtype: 'float32', dims: [1, 2, 1, 2], data: points },
        input_labels: { dtype: 'int64', dims: [1, 2, 1], data: BigInt64Array.from([1n, 1n]) },
      });
      expect([...got.iouScores]).toEqual([...(r.iou_scores.data as Float32Array)]);
      expect([...got.lowResLogits]).toEqual([...(r.pred_masks.data as Float32Array)]);
    } else {
      for (let i = 0; i < 2; i++) {
        const r = await dec.run({
          image_embeddings: emb.image_embeddings,
          point_coords: { dtype: 'float32', dims: [1, 2, 2], data: Float32Array.from([points[2 * i], points[2 * i + 1], 0, 0]) },
          point_labels: { dtype: 'float32', dims: [1, 2], data: Float32Array.from([1, -1]) },
          mask_input: { dtype: 'float32', dims: [1, 1, l, l], data: new Float32Array(l * l) },
          has_mask_input: { dtype: 'float32', dims: [1], data: Float32Array.from([0]) },
          orig_im_size: { dtype: 'float32', dims: [2], data: Float32Array.from([64, 64]) },
        });
        expect([...got.iouScores.subarray(i * 3, i * 3 + 3)]).toEqual([...(r.iou_predictions.data as Float32Array).subarray(1, 4)]);
        expect([...got.lowResLogits.subarray(i * 3 * l * l, (i + 1) * 3 * l * l)]).toEqual([...(r.low_res_masks.data as Float32Array).subarray(l * l, 4 * l * l)]);
      }
    }
    // into the caller's buffer (SAM post-processing lends one in its WebAssembly memory): the same logits, written there
    const into = new Float32Array(2 * 3 * l * l).fill(Number.NaN);
    const there = await models.decodeSamPoints(e, points, 2, { lowResLogitsInto: into });
    expect(there.lowResLogits).toBe(into);
    expect([...into]).toEqual([...got.lowResLogits]);
    expect([...there.iouScores]).toEqual([...got.iouScores]);
    // a buffer of the wrong size is not used
    const wrong = await models.decodeSamPoints(e, points, 2, { lowResLogitsInto: new Float32Array(5) });
    expect([...wrong.lowResLogits]).toEqual([...got.lowResLogits]);
    await enc.dispose();
    await dec.dispose();
    await models.dispose();
  });
});

describe('masked CLIP (soft branch)', () => {
  it('a region embedding depends on the patches inside the region only (one-layer ViT), identically for both attention layouts', async () => {
    const results: Float32Array[] = [];
    for (const layout of ['bh-hw-t', 'b-h-hw-t'] as const) {
      const dirs = await writeTinyExports(join(root, `clip1-${layout}`), { unetLayout: 'b-h-hw-t', clipLayout: layout });
      // a one-layer vision model: information cannot reach CLS through other patches
      const { tinyClipVision } = await import('../testing/tiny-encoders');
      const { buildModel } = await import('../onnx/graph-builder');
      await writeFile(join(dirs.clip, 'onnx/vision_model.onnx'), buildModel(tinyClipVision({ layout, layers: 1 })));
      const out = join(root, `clip1-pack-${layout}`);
      await preparePack({ ...dirs, out, name: 'clip1' });
      const models = await loadPack(out, { executionProvider: 'cpu' });
      const s = 32;
      const px = randomArray(3 * s * s, prng(11));
      // region 0 = patch 0 (top-left 16×16); region 1 = patches 1..3
      const masks = Uint8Array.from([1, 0, 0, 0, 0, 1, 1, 1]);
      const a = await models.encodeClipRegions(px, masks, 2);
      const px2 = px.slice();
      for (let c = 0; c < 3; c++) for (let y = 16; y < 32; y++) for (let x = 16; x < 32; x++) px2[(c * s + y) * s + x] += 0.5; // patch 3
      const b = await models.encodeClipRegions(px2, masks, 2);
      const e = 6;
      expect([...b.subarray(0, e)]).toEqual([...a.subarray(0, e)]); // region 0 does not see patch 3
      expect(Math.max(...[...b.subarray(e)].map((v, i) => Math.abs(v - a[e + i])))).toBeGreaterThan(1e-4); // region 1 does
      results.push(a);
      await models.dispose();
    }
    expect(Math.max(...[...results[0]].map((v, i) => Math.abs(v - results[1][i])))).toBeLessThan(1e-5);
  });
});

describe('masked CLIP memory preflight', () => {
  it('records the heads at prepare and refuses a region call whose attention does not fit, before running it', async () => {
    const { out, manifest } = await makePack('clip-memory', { unetLayout: 'bh-hw-t', clipLayout: 'bh-hw-t' });
    expect(manifest.models.clipVisionMasked.attentionHeads).toBe(2); // the tiny ViT's heads, read from its logits
    const regions = 3;
    const masks = new Uint8Array(regions * 4).fill(1);
    const px = randomArray(3 * 32 * 32, prng(3));
    // 32² image, patch 16: 4 patches; one sequence of 3 region tokens + 4 patches = 7 tokens
    const t = regions + 4;
    const needed = 2 * t * t * 4 * 3; // heads × T² float32 scores, 3 alive at once
    const rec = recordingRuntime();
    const small = await loadPack(out, { executionProvider: 'cpu', runtime: rec.runtime, maxModelMemory: needed - 1 });
    const runsBefore = rec.runs.length;
    const err = (await small.encodeClipRegions(px, masks, regions).catch((e: unknown) => e)) as { code: string; figures: object; message: string };
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
    expect(err.figures).toMatchObject({ neededBytes: needed, limitBytes: needed - 1, side: t });
    expect(err.message).toMatch(/masked CLIP vision encoder .* at a 32×32 image with 3 regions \(one sequence of 7 tokens\)/);
    expect(err.message).toMatch(/clipMaxSide/);
    expect(rec.runs.length).toBe(runsBefore); // refused before onnxruntime ran it
    await small.dispose();
    const enough = await loadPack(out, { executionProvider: 'cpu', maxModelMemory: needed });
    expect((await enough.encodeClipRegions(px, masks, regions)).length).toBe(regions * manifest.constants.clip.embedDim);
    await enough.dispose();
  });
});

describe('loading a broken pack', () => {
  let pack: Awaited<ReturnType<typeof makePack>>;
  beforeAll(async () => {
    pack = await makePack('good', { unetLayout: 'b-h-hw-t' });
  });
  async function copyPack(name: string): Promise<string> {
    const dir = join(root, name);
    await cp(pack.out, dir, { recursive: true });
    return dir;
  }

  it('with a missing file fails naming it, and loads nothing', async () => {
    const dir = await copyPack('missing');
    await unlink(join(dir, 'sd/weights.pb'));
    const rec = recordingRuntime();
    const err = await loadPack(dir, { executionProvider: 'cpu', runtime: rec.runtime }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelPackError);
    expect(err).toMatchObject({ code: 'FILE_MISSING', message: expect.stringContaining('sd/weights.pb: missing') });
    expect(rec.loads).toEqual([]);
  });

  it('with a wrong checksum fails naming the file', async () => {
    const dir = await copyPack('corrupt');
    const p = join(dir, 'clip/text_model.onnx');
    const bytes = await readFile(p);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(p, bytes);
    const rec = recordingRuntime();
    await expect(loadPack(dir, { executionProvider: 'cpu', runtime: rec.runtime })).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      message: expect.stringMatching(/clip\/text_model\.onnx: sha256 [0-9a-f]{64}, manifest says/),
    });
    expect(rec.loads).toEqual([]);
    // sizes-only verification does not hash, so it cannot see this
    await expect(loadPack(dir, { executionProvider: 'cpu', verify: 'size' })).resolves.toBeDefined();
  });

  it('with a manifest from a newer schema version fails telling the user to upgrade', async () => {
    const dir = await copyPack('newer');
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    m.schemaVersion = 2;
    m.somethingNew = {};
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
    await expect(loadPack(dir, { executionProvider: 'cpu' })).rejects.toMatchObject({
      code: 'MANIFEST_VERSION_UNSUPPORTED',
      message: expect.stringContaining('schemaVersion 2 is newer than this refdiff understands (1); upgrade refdiff'),
    });
  });

  it('with an invalid manifest lists every bad field', async () => {
    const dir = await copyPack('invalid');
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    m.constants.sam.inputSize = -1;
    m.models.unet.inputs[0].dtype = 'float64';
    delete m.tokenizer.endId;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
    const err = (await loadPack(dir, { executionProvider: 'cpu' }).catch((e: unknown) => e)) as ModelPackError;
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toContain('constants.sam.inputSize');
    expect(err.message).toContain('models.unet.inputs[0].dtype');
    expect(err.message).toContain('tokenizer.endId');
  });

  it('whose graph does not match its manifest fails at load naming the tensor', async () => {
    const dir = await copyPack('mismatch');
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    // a manifest that claims int64 ids for an int32 graph (file checksums still fine)
    (m.models.sdTextEncoder.inputs[0] as { dtype: string }).dtype = 'int64';
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
    const models = await loadPack(dir, { executionProvider: 'cpu' });
    await expect(models.encodeSdText(ids(1), 1)).rejects.toMatchObject({
      code: 'CONTRACT_MISMATCH',
      message: expect.stringContaining("sdTextEncoder (sd/text_encoder.onnx): input 'input_ids' has dtype int32, manifest says int64"),
    });
    await models.dispose();
  });

  it('with preload, a contract mismatch fails the load and leaves no session open', async () => {
    const dir = await copyPack('mismatch-preload');
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    (m.models.samEncoder.outputs[0] as { name: string }).name = 'embeddings_renamed';
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
    const rec = recordingRuntime();
    await expect(loadPack(dir, { executionProvider: 'cpu', runtime: rec.runtime, preload: true })).rejects.toMatchObject({
      code: 'CONTRACT_MISMATCH',
      message: expect.stringContaining("samEncoder (sam/vision_encoder.onnx): output 'embeddings_renamed' is in the manifest but not in the graph"),
    });
    expect(rec.loads.length).toBe(8);
    expect(rec.disposed.length).toBe(8);
    const ok = recordingRuntime();
    const models = await loadPack(pack.out, { executionProvider: 'cpu', runtime: ok.runtime, preload: true });
    expect(ok.loads.length).toBe(8);
    await models.dispose();
    expect(ok.disposed.length).toBe(8);
  });

  it('with the CUDA provider on a host without its libraries fails at load with instructions', async () => {
    await expect(loadPack(pack.out, { executionProvider: 'cuda' })).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      message: expect.stringContaining('docs/models.md'),
    });
  });

  it('rejects wrong-sized inputs at the port with a message naming the argument', async () => {
    const models = await loadPack(pack.out, { executionProvider: 'cpu', verify: 'size' });
    await expect(models.encodeSdText(new Int32Array(76), 1)).rejects.toThrow('sdText: ids has 76 values, expected batch 1 × 77');
    await expect(models.unet({ sample: new Float32Array(256), batch: 1, timestep: 1, encoderHiddenStates: new Float32Array(77 * 8), attention: { layers: ['nope'], kind: 'probs' } })).rejects.toThrow(
      "no cross-attention readout for layer 'nope'",
    );
    await models.dispose();
  });
});

describe('graphs with a fixed batch size', () => {
  it('are called in chunks; results equal one call per item', async () => {
    const pack = await makePack('fixed-batch', { unetLayout: 'bh-hw-t', sdTextBatch: 1, unet: { batch: 1 } });
    expect(pack.manifest.models.unet.inputs[0].shape[0]).toBe(1);
    const models = await loadPack(pack.out, { executionProvider: 'cpu' });
    const all = await models.encodeSdText(ids(3), 3);
    const one = await Promise.all([0, 1, 2].map((b) => models.encodeSdText(ids(3).slice(b * 77, (b + 1) * 77), 1)));
    expect([...all]).toEqual(one.flatMap((o) => [...o]));
    const sample = randomArray(2 * 4 * 64, prng(21));
    const ehs = all.slice(0, 2 * 77 * 8);
    const attention = { layers: ['down_blocks.1.attentions.0'], kind: 'logits' as const };
    const both = await models.unet({ sample, batch: 2, timestep: 11, encoderHiddenStates: ehs, attention });
    const parts = await Promise.all(
      [0, 1].map((b) => models.unet({ sample: sample.slice(b * 256, (b + 1) * 256), batch: 1, timestep: 11, encoderHiddenStates: ehs.slice(b * 616, (b + 1) * 616), attention })),
    );
    expect(both.attention[0].dims).toEqual([4, 16, 77]);
    expect([...both.attention[0].data]).toEqual(parts.flatMap((p) => [...p.attention[0].data]));
    expect([...both.noise]).toEqual(parts.flatMap((p) => [...p.noise]));
    await models.dispose();
  });
});
