/**
 * prepare on graphs refdiff did not write (shared/real-exports: upstream exporters' structure, random weights),
 * with each UNet variant: the constants equal what the graphs say, the taps are right (softmax of the exposed
 * logits equals the exposed probabilities; the masked CLIP with a zero bias equals the original), SAM's split
 * decoder runs the automatic mask generator's batches, and the sampling VAE is deterministic in the pack.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { samGeometry, samPointGrid, SamMaskGenerator } from '@refdiff/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPack } from '../inspect/inspect-pack';
import { node } from '../onnx/graph-builder';
import { onnx } from '../onnx/onnx-proto';
import { editModel, readGraphSummary } from '../onnx/wire';
import { loadPack } from '../pack/load-pack';
import type { PackModels } from '../pack/pack-models';
import { createOnnxRuntime } from '../runtime/onnx-runtime';
import { copyRealExports, realExportsAvailable } from '../testing/real-exports';
import { prng, randomArray } from '../testing/tiny-graphs';
import { textEmbeddingTables } from './graph-constants';
import { preparePack } from './prepare-pack';
import { findVaeSampling } from './vae-surgery';

const SLOW = 240_000;

describe.runIf(await realExportsAvailable())('prepare on the real exports', () => {
  let copy: { dir: string; dispose: () => Promise<void> };
  const packs: Record<'classic' | 'sdpa', string> = { classic: '', sdpa: '' };
  beforeAll(async () => {
    copy = await copyRealExports();
    // the SDPA variant: the same SD folder with unet-sdpa's single-file UNet in place of unet/
    const sdpa = join(copy.dir, 'sd15-sdpa');
    for (const d of ['text_encoder', 'vae_encoder', 'tokenizer', 'unet']) await mkdir(join(sdpa, d), { recursive: true });
    await copyFile(join(copy.dir, 'sd15/text_encoder/model.onnx'), join(sdpa, 'text_encoder/model.onnx'));
    await copyFile(join(copy.dir, 'sd15/vae_encoder/model.onnx'), join(sdpa, 'vae_encoder/model.onnx'));
    await copyFile(join(copy.dir, 'sd15/tokenizer/tokenizer.json'), join(sdpa, 'tokenizer/tokenizer.json'));
    await copyFile(join(copy.dir, 'unet-sdpa/model.onnx'), join(sdpa, 'unet/model.onnx'));
    for (const [variant, sd] of [['classic', 'sd15'], ['sdpa', 'sd15-sdpa']] as const) {
      packs[variant] = join(copy.dir, `pack-${variant}`);
      await preparePack({ sd: join(copy.dir, sd), clip: join(copy.dir, 'clip'), sam: join(copy.dir, 'sam'), out: packs[variant], name: variant, constants: { sd: { imageSize: 64 } } });
    }
  }, SLOW);
  afterAll(() => copy?.dispose());

  it('derives the constants the graphs tell, and inspect finds them equal', async () => {
    const runtime = createOnnxRuntime({ executionProvider: 'cpu' });
    // independent readings: the VAE's output side for a 64² image, the CLIP text projection's output width
    const vae = await runtime.load(join(copy.dir, 'sd15/vae_encoder/model.onnx'), 'vae');
    const latent = (await vae.run({ sample: { dtype: 'float32', dims: [1, 3, 64, 64], data: new Float32Array(3 * 64 * 64) } })).latent_sample;
    await vae.dispose();
    const text = await runtime.load(join(copy.dir, 'clip/onnx/text_model.onnx'), 'clip text');
    const embeds = (await text.run({ input_ids: { dtype: 'int64', dims: [1, 77], data: new BigInt64Array(77) } }, ['text_embeds'])).text_embeds;
    await text.dispose();
    for (const pack of Object.values(packs)) {
      const m = JSON.parse(await readFile(join(pack, 'manifest.json'), 'utf8'));
      expect(m.constants.sd.vaeDownsample).toBe(64 / latent.dims[3]);
      expect(m.constants.sd.latentChannels).toBe(latent.dims[1]);
      expect(m.constants.clip.embedDim).toBe(embeds.dims[1]);
      expect(m.constants.sd.textHiddenSize).toBe(m.models.unet.inputs.find((i: { name: string }) => i.name === 'encoder_hidden_states').shape[2]);
      expect(m.constants.sam.lowResSize).toBe(m.models.samDecoder.outputs.find((o: { name: string }) => o.name === 'pred_masks').shape[4]);
      expect((await inspectPack(pack, { verify: 'size' })).problems).toEqual([]);
    }
    // token limits: every text model's vocabulary holds the tokenizer's ids, and its position table the context
    for (const f of ['sd15/text_encoder/model.onnx', 'clip/onnx/text_model.onnx']) {
      const t = textEmbeddingTables(readGraphSummary(await readFile(join(copy.dir, f)), f));
      expect(t.positions).toBeGreaterThanOrEqual(77);
      const tokenizer = JSON.parse(await readFile(join(copy.dir, 'clip/tokenizer.json'), 'utf8'));
      expect(Math.max(...(Object.values(tokenizer.model.vocab) as number[]))).toBeLessThan(t.vocab as number);
    }
  }, SLOW);

  it.each(['classic', 'sdpa'] as const)('%s UNet: softmax of each exposed logits readout equals its probabilities readout (≤ 1e-5)', async (variant) => {
    const models = await loadPack(packs[variant], { executionProvider: 'cpu' });
    const layers = models.manifest.models.unet.attention.map((a) => a.layer);
    expect(layers.length).toBe(16);
    const rand = prng(11);
    const c = models.constants.sd.latentChannels;
    const d = models.constants.sd.textHiddenSize;
    const call = { sample: randomArray(2 * c * 16 * 16, rand), batch: 2, timestep: 51, encoderHiddenStates: randomArray(2 * 77 * d, rand) };
    const logits = await models.unet({ ...call, attention: { layers, kind: 'logits' } });
    const probs = await models.unet({ ...call, attention: { layers, kind: 'probs' } });
    for (let l = 0; l < layers.length; l++) {
      const z = logits.attention[l].data;
      const p = probs.attention[l].data;
      expect(logits.attention[l].dims).toEqual(probs.attention[l].dims);
      const t = logits.attention[l].dims.at(-1) as number;
      let worst = 0;
      for (let row = 0; row < z.length / t; row++) {
        let max = -Infinity;
        for (let j = 0; j < t; j++) max = Math.max(max, z[row * t + j]);
        let sum = 0;
        for (let j = 0; j < t; j++) sum += Math.exp(z[row * t + j] - max);
        for (let j = 0; j < t; j++) worst = Math.max(worst, Math.abs(Math.exp(z[row * t + j] - max) / sum - p[row * t + j]));
      }
      expect(worst, layers[l]).toBeLessThanOrEqual(1e-5);
    }
    await models.dispose();
  }, SLOW);

  it('the masked CLIP vision graph with a zero bias equals the original image_embeds', async () => {
    const runtime = createOnnxRuntime({ executionProvider: 'cpu' });
    const original = await runtime.load(join(copy.dir, 'clip/onnx/vision_model.onnx'), 'clip vision');
    const masked = await runtime.load(join(packs.classic, 'clip/vision_masked.onnx'), 'clip vision masked');
    const m = JSON.parse(await readFile(join(packs.classic, 'manifest.json'), 'utf8'));
    const t = m.models.clipVisionMasked.tokens;
    const pixels = { dtype: 'float32' as const, dims: [2, 3, 224, 224], data: randomArray(2 * 3 * 224 * 224, prng(4)) };
    const a = (await original.run({ pixel_values: pixels }, ['image_embeds'])).image_embeds.data as Float32Array;
    const b = (await masked.run({ pixel_values: pixels, attention_bias: { dtype: 'float32', dims: [2, 1, t, t], data: new Float32Array(2 * t * t) } }, ['image_embeds'])).image_embeds
      .data as Float32Array;
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(a[i])));
    await original.dispose();
    await masked.dispose();
  }, SLOW);

  it("SAM's split decoder runs the automatic mask generator's batches", async () => {
    const models: PackModels = await loadPack(packs.classic, { executionProvider: 'cpu' });
    const c = models.constants.sam;
    const s = c.inputSize;
    const embedding = await models.encodeSamImage(randomArray(3 * s * s, prng(9)));
    const geometry = samGeometry(640, 480, s, c.lowResSize);
    const grid = samPointGrid(geometry, 10); // 100 points: a full batch of 64 and a partial one of 36
    const generator = new SamMaskGenerator(geometry, c);
    const total = grid.length / 2;
    for (let first = 0; first < total; first += c.pointsPerBatch) {
      const count = Math.min(c.pointsPerBatch, total - first);
      const r = await models.decodeSamPoints(embedding, grid.subarray(first * 2, (first + count) * 2), count);
      expect(r.iouScores.length).toBe(count * 3);
      expect(r.lowResLogits.length).toBe(count * 3 * c.lowResSize ** 2);
      generator.addBatch(r, first);
    }
    expect(generator.counts.decoded).toBe(300);
    generator.finish(); // random weights: few or no masks pass SAM's thresholds, but the whole path runs
    expect(models.callCounts().samDecoder).toBe(2);
    await models.dispose();
  }, SLOW);

  it('the sampling VAE is made deterministic: the pack returns the posterior mean of the original graph', async () => {
    const source = join(copy.dir, 'sd15/vae_encoder/model.onnx');
    const bytes = await readFile(source);
    const g = readGraphSummary(bytes, source);
    const [site] = findVaeSampling(g, source);
    // the original graph, also returning the tensor it adds the noise to
    const probe = join(copy.dir, 'vae-mean-probe.onnx');
    await writeFile(
      probe,
      editModel(bytes, { appendNodes: [node('Identity', [site.mean], ['probe_mean'])], appendOutputs: [onnx.ValueInfoProto.create({ name: 'probe_mean' })] }, source),
    );
    const runtime = createOnnxRuntime({ executionProvider: 'cpu' });
    const original = await runtime.load(probe, 'vae (original)');
    const pixels = randomArray(3 * 64 * 64, prng(8), 2);
    const feeds = { sample: { dtype: 'float32' as const, dims: [1, 3, 64, 64], data: pixels } };
    const r1 = await original.run(feeds, ['latent_sample', 'probe_mean']);
    const r2 = await original.run(feeds, ['latent_sample']);
    expect([...(r1.latent_sample.data as Float32Array)]).not.toEqual([...(r2.latent_sample.data as Float32Array)]); // it samples
    await original.dispose();
    const models = await loadPack(packs.classic, { executionProvider: 'cpu' });
    const a = await models.encodeVae(pixels, 64);
    const b = await models.encodeVae(pixels, 64);
    expect([...a]).toEqual([...b]);
    expect([...a]).toEqual([...(r1.probe_mean.data as Float32Array)]);
    expect(models.manifest.files.find((f) => f.path === 'sd/vae_encoder.onnx')?.transform).toBe('vae-posterior-mean');
    await models.dispose();
  }, SLOW);
});
