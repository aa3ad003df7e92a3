import { lstat, mkdtemp, readFile, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelPackError } from '../errors';
import { buildModel } from '../onnx/graph-builder';
import { loadPack } from '../pack/load-pack';
import { createOnnxRuntime } from '../runtime/onnx-runtime';
import { referenceCrossAttention } from '../testing/reference-attention';
import { TINY_UNET_LAYERS, prng, randomArray, tinyUnet, type AttentionLayout } from '../testing/tiny-graphs';
import { writeTinyExports } from '../testing/tiny-exports';
import { preparePack } from './prepare-pack';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refdiff-prepare-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

describe.each(['bh-hw-t', 'b-h-hw-t'] as AttentionLayout[])('prepare on a UNet export with layout %s', (layout) => {
  let dirs: { sd: string; clip: string; sam: string };
  let out: string;
  beforeAll(async () => {
    dirs = await writeTinyExports(join(root, `exports-${layout}`), { unetLayout: layout, clipLayout: layout });
    out = join(root, `pack-${layout}`);
    await preparePack({ ...dirs, out, name: `tiny-${layout}` });
  });

  it('exposes exactly the /attn2/ layers, with level, heads and layout probed from the graph', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.models.unet.attention.map((a: { layer: string; level: number; heads: number; layout: string }) => [a.layer, a.level, a.heads, a.layout])).toEqual(
      TINY_UNET_LAYERS.map((l) => [l.layer, l.level, 2, layout]),
    );
  });

  it('returns cross-attention logits and probs equal to a reference computed from the weights', async () => {
    const { weights, dims } = tinyUnet({ layout });
    const models = await loadPack(out, { executionProvider: 'cpu' });
    const rand = prng(42);
    const batch = 2;
    const side = 8;
    const sample = randomArray(batch * dims.c * side * side, rand);
    const ehs = randomArray(batch * 77 * dims.d, rand);
    for (const kind of ['logits', 'probs'] as const) {
      const r = await models.unet({ sample, batch, timestep: 51, encoderHiddenStates: ehs, attention: { layers: TINY_UNET_LAYERS.map((l) => l.layer), kind } });
      expect(r.attention.map((a) => a.layer)).toEqual(TINY_UNET_LAYERS.map((l) => l.layer));
      for (const [i, { layer, level }] of TINY_UNET_LAYERS.entries()) {
        const prefix = `${layer.replace(/^(\w+?(?:\.\d+)?)\.(attentions\.\d+)$/, '/$1/$2')}/transformer_blocks.0`;
        const ref = referenceCrossAttention({ weights, layerPrefix: prefix, level, sample, ehs, batch, dims, side });
        const a = r.attention[i];
        expect(a.kind).toBe(kind);
        expect(a.dims).toEqual(layout === 'bh-hw-t' ? [batch * 2, ref.hw, 77] : [batch, 2, ref.hw, 77]);
        expect(maxRelDiff(a.data, kind === 'logits' ? ref.logits : ref.probs)).toBeLessThan(1e-4);
      }
    }
    await models.dispose();
  });

  it('leaves the computation and the external weights untouched', async () => {
    expect(Buffer.compare(await readFile(join(out, 'sd/weights.pb')), await readFile(join(dirs.sd, 'unet/weights.pb')))).toBe(0);
    const runtime = createOnnxRuntime({ executionProvider: 'cpu' });
    const original = await runtime.load(join(dirs.sd, 'unet/model.onnx'), 'original unet');
    const prepared = await runtime.load(join(out, 'sd/unet.onnx'), 'prepared unet');
    const rand = prng(7);
    const feeds = {
      sample: { dtype: 'float32' as const, dims: [1, 4, 8, 8], data: randomArray(256, rand) },
      timestep: { dtype: 'int64' as const, dims: [1], data: BigInt64Array.from([51n]) },
      encoder_hidden_states: { dtype: 'float32' as const, dims: [1, 77, 8], data: randomArray(77 * 8, rand) },
    };
    const a = (await original.run(feeds, ['out_sample'])).out_sample.data as Float32Array;
    const b = (await prepared.run(feeds, ['out_sample'])).out_sample.data as Float32Array;
    expect([...b]).toEqual([...a]);
    await original.dispose();
    await prepared.dispose();
  });
});

describe('prepare', () => {
  let dirs: { sd: string; clip: string; sam: string };
  beforeAll(async () => {
    dirs = await writeTinyExports(join(root, 'exports'), { unetLayout: 'b-h-hw-t' });
  });

  it('is deterministic: the same exports give byte-identical packs', async () => {
    await preparePack({ ...dirs, out: join(root, 'det-a'), name: 'det' });
    await preparePack({ ...dirs, out: join(root, 'det-b'), name: 'det' });
    for (const f of ['manifest.json', 'sd/unet.onnx', 'clip/vision_masked.onnx']) {
      expect(Buffer.compare(await readFile(join(root, 'det-a', f)), await readFile(join(root, 'det-b', f)))).toBe(0);
    }
  });

  it('can link the files instead of copying them; the pack still verifies and runs', async () => {
    const out = join(root, 'linked');
    await preparePack({ ...dirs, out, name: 'linked', link: 'symlink' });
    expect((await lstat(join(out, 'sd/text_encoder.onnx'))).isSymbolicLink()).toBe(true);
    // onnxruntime refuses external data whose real path leaves the model folder: weights are hard-linked
    const weights = await lstat(join(out, 'sd/weights.pb'));
    expect(weights.isSymbolicLink()).toBe(false);
    expect(weights.ino).toBe((await lstat(join(dirs.sd, 'unet/weights.pb'))).ino);
    expect((await lstat(join(out, 'sd/unet.onnx'))).isSymbolicLink()).toBe(false); // edited graphs are written
    const models = await loadPack(out, { executionProvider: 'cpu' });
    const r = await models.unet({ sample: new Float32Array(256), batch: 1, timestep: 1, encoderHiddenStates: new Float32Array(77 * 8), attention: { layers: ['mid_block.attentions.0'], kind: 'probs' } });
    expect(r.attention[0].dims).toEqual([1, 2, 4, 77]); // 8×8 latent at level 4
    await models.dispose();
  });

  it('selects layers by level or name, and kinds', async () => {
    const r = await preparePack({ ...dirs, out: join(root, 'level4'), name: 'l4', attention: { layers: 'level4', kinds: ['logits'] } });
    expect(r.manifest.models.unet.attention).toMatchObject([{ layer: 'mid_block.attentions.0', level: 4, logits: 'xattn_logits.mid_block.attentions.0' }]);
    expect(r.manifest.models.unet.attention[0].probs).toBeUndefined();
    await expect(preparePack({ ...dirs, out: join(root, 'nolayer'), name: 'x', attention: { layers: ['up_blocks.9.attentions.0'] } })).rejects.toThrow(
      "no cross-attention layer 'up_blocks.9.attentions.0'",
    );
  });

  it('refuses a fused-attention UNet with a message naming the export to use, and writes nothing', async () => {
    const fusedDirs = await writeTinyExports(join(root, 'exports-fused'), { unetLayout: 'b-h-hw-t' });
    await writeFile(join(fusedDirs.sd, 'unet/model.onnx'), buildModel(tinyUnet({ layout: 'b-h-hw-t', fused: true }).spec));
    const err = await preparePack({ ...fusedDirs, out: join(root, 'fused'), name: 'fused' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelPackError);
    expect((err as ModelPackError).code).toBe('FUSED_ATTENTION');
    expect((err as Error).message).toMatch(/com\.microsoft MultiHeadAttention.*unfused export/s);
    await expect(stat(join(root, 'fused'))).rejects.toThrow();
  });

  it("refuses a Meta SAM decoder exported with a single mask per prompt", async () => {
    const metaDirs = await writeTinyExports(join(root, 'exports-meta1'), { unetLayout: 'b-h-hw-t', sam: 'meta-single' });
    const { tinySamDecoderMeta } = await import('../testing/tiny-encoders');
    await writeFile(join(metaDirs.sam, 'onnx/sam_decoder.onnx'), buildModel(tinySamDecoderMeta({ masks: 1 })));
    await expect(preparePack({ ...metaDirs, out: join(root, 'meta1'), name: 'm' })).rejects.toMatchObject({
      code: 'EXPORT_UNSUPPORTED',
      message: expect.stringContaining('low_res_masks has 1 masks per prompt; expected 4 (export Meta\'s decoder with return_single_mask=False)'),
    });
  });

  it('needs the size of a CLIP vision export whose size is only symbolic, and makes it take any size (position table interpolated)', async () => {
    const symDirs = await writeTinyExports(join(root, 'exports-clip-sym'), { unetLayout: 'b-h-hw-t' });
    const { tinyClipVision } = await import('../testing/tiny-encoders');
    await writeFile(join(symDirs.clip, 'onnx/vision_model.onnx'), buildModel(tinyClipVision({ layout: 'b-h-hw-t', symbolicSize: true })));
    await expect(preparePack({ ...symDirs, out: join(root, 'clip-sym-224'), name: 's' })).rejects.toMatchObject({
      code: 'EXPORT_UNSUPPORTED',
      message: expect.stringContaining('does not run at 224×224'),
    });
    const r = await preparePack({ ...symDirs, out: join(root, 'clip-sym'), name: 's', constants: { clip: { imageSize: 32 } } });
    expect(r.manifest.constants.clip).toMatchObject({ imageSize: 32, patchSize: 16, dynamicImageSize: true });
    expect(r.manifest.files.find((f) => f.path === 'clip/vision_model.onnx')?.transform).toBe('clip-position-interpolation');
    expect(r.manifest.models.clipVisionMasked.regionOutputs).toEqual(['region_embeds_layer1', 'region_embeds']);
    const models = await loadPack(join(root, 'clip-sym'), { executionProvider: 'cpu' });
    try {
      expect(models.constants.clip.layers).toBe(2);
      const emb = await models.encodeClipImage(randomArray(3 * 48 * 80, prng(9)), 1, { width: 80, height: 48 });
      expect(emb.length).toBe(6);
      const regions = await models.encodeClipRegions(randomArray(3 * 48 * 80, prng(9)), new Uint8Array(2 * 15).fill(1), 2, { width: 80, height: 48, layer: 1 });
      expect(regions.length).toBe(12);
      await expect(models.encodeClipRegions(randomArray(3 * 48 * 80, prng(9)), new Uint8Array(15).fill(1), 1, { width: 80, height: 48, layer: 3 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    } finally {
      await models.dispose();
    }
  });

  it('refuses a non-empty output folder and names missing export files', async () => {
    await mkdir(join(root, 'busy'), { recursive: true });
    await writeFile(join(root, 'busy/x'), 'x');
    await expect(preparePack({ ...dirs, out: join(root, 'busy'), name: 'b' })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await mkdir(join(root, 'empty'));
    await expect(preparePack({ ...dirs, out: join(root, 'empty'), name: 'e' })).resolves.toMatchObject({ manifestPath: join(root, 'empty/manifest.json') });
    await expect(preparePack({ ...dirs, sd: join(root, 'nowhere'), out: join(root, 'none'), name: 'n' })).rejects.toMatchObject({
      code: 'EXPORT_NOT_FOUND',
      message: expect.stringContaining('text_encoder/model.onnx'),
    });
  });
});
