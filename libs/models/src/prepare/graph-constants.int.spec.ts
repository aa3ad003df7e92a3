/**
 * Generality of the graph-derived constants: tiny exports of other widths, VAEs that downsample ×2/×4/×8, sample
 * their latent or return latent_parameters, and pairs of models that do not belong together. prepare must derive
 * exactly what each graph says, refuse mismatches naming both files, and inspect must agree.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPack } from '../inspect/inspect-pack';
import { buildModel } from '../onnx/graph-builder';
import { loadPack } from '../pack/load-pack';
import { prng, randomArray } from '../testing/tiny-graphs';
import { writeTinyExports, type TinyExportOptions } from '../testing/tiny-exports';
import { tinyVaeEncoder } from '../testing/tiny-encoders';
import { preparePack } from './prepare-pack';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refdiff-graph-constants-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function exportsWith(o: Partial<TinyExportOptions>) {
  return writeTinyExports(join(root, `exports-${n++}`), { unetLayout: 'b-h-hw-t', ...o });
}

describe('prepare derives the constants the graphs tell', () => {
  it.each([
    { downsample: 8, channels: 4, hidden: 8, text: 5, vision: 5, sam: { channels: 6, grid: 4, lowRes: 16 }, variant: 'latent_sample' as const, sampling: true },
    { downsample: 2, channels: 4, hidden: 12, text: 9, vision: 9, sam: { channels: 3, grid: 2, lowRes: 8 }, variant: 'latent_parameters' as const, sampling: false },
    { downsample: 4, channels: 3, hidden: 8, text: 6, vision: 6, sam: { channels: 4, grid: 4, lowRes: 8 }, variant: 'latent_sample' as const, sampling: false },
  ])('VAE ×$downsample $variant (sampling $sampling), text width $hidden, CLIP projection $text, SAM low-res $sam.lowRes', async (v) => {
    const dirs = await exportsWith({
      unet: { hidden: v.hidden, channels: v.channels },
      vae: v.variant,
      vaeOptions: { downsample: v.downsample, channels: v.channels, sampling: v.sampling, attention: true },
      sdText: { hidden: v.hidden, positions: 100 },
      clipEmbed: { text: v.text, vision: v.vision },
      samSizes: v.sam,
    });
    const out = join(root, `pack-${n++}`);
    const { manifest } = await preparePack({ ...dirs, out, name: 'g', constants: { sd: { imageSize: 64 * v.downsample } } });
    expect(manifest.constants.sd).toMatchObject({ vaeDownsample: v.downsample, latentChannels: v.channels, textHiddenSize: v.hidden });
    expect(manifest.constants.clip.embedDim).toBe(v.text);
    expect(manifest.tokenizer.contextLength).toBe(77); // input_ids' fixed sequence dim, within the 100 positions
    expect(manifest.constants.sam.lowResSize).toBe(v.sam.lowRes);
    // the VAE's one-head attention over the latent cells: (HW)² per item, measured and recorded for the preflight
    expect(manifest.models.vaeEncoder.attentionPeak).toEqual({
      side: 8 * v.downsample,
      bytesPerElement: 4,
      terms: [{ exponent: 4, elements: 64 * 64, node: '/encoder/mid_block/attentions.0/Softmax' }],
    });
    expect(manifest.files.find((f) => f.path === 'sd/vae_encoder.onnx')?.transform).toBe(v.sampling ? 'vae-posterior-mean' : 'copy');
    const inspection = await inspectPack(out, { verify: 'size' });
    expect(inspection.problems).toEqual([]);
  });

  it('a sampling VAE gives its posterior mean, the same on every run', async () => {
    const dirs = await exportsWith({ vaeOptions: { sampling: true, attention: true } });
    const out = join(root, `pack-${n++}`);
    await preparePack({ ...dirs, out, name: 's', constants: { sd: { imageSize: 64 } } });
    // the same weights as latent_parameters (mean ‖ logvar): its first half is the mean
    const params = join(root, `params-${n++}`);
    const paramDirs = await exportsWith({ vae: 'latent_parameters', vaeOptions: { attention: true } });
    await preparePack({ ...paramDirs, out: params, name: 'p', constants: { sd: { imageSize: 64 } } });
    const a = await loadPack(out, { executionProvider: 'cpu' });
    const b = await loadPack(params, { executionProvider: 'cpu' });
    const pixels = randomArray(3 * 64 * 64, prng(3));
    const first = await a.encodeVae(pixels, 64);
    const second = await a.encodeVae(pixels, 64);
    expect([...second]).toEqual([...first]);
    expect([...first]).toEqual([...(await b.encodeVae(pixels, 64))]);
    await a.dispose();
    await b.dispose();
  });

  it('refuses models that do not belong together, naming both files', async () => {
    const cases: [Partial<TinyExportOptions>, RegExp][] = [
      [{ sdText: { hidden: 12 } }, /unet\/model\.onnx cross-attends to text states of width 8, but .*text_encoder\/model\.onnx returns hidden states of width 12/],
      [{ sdText: { vocab: 32 } }, /tokenizer\.json emits token ids up to 63, but .*text_encoder\/model\.onnx has a vocabulary of 32 ids/],
      [{ clipEmbed: { text: 5, vision: 7 } }, /text_model\.onnx projects text to 5 dims but .*vision_model\.onnx projects images to 7/],
      [{ vaeOptions: { channels: 3 } }, /vae_encoder\/model\.onnx makes latents of 3 channels, but .*unet\/model\.onnx takes samples of 4/],
    ];
    for (const [o, message] of cases) {
      const dirs = await exportsWith(o);
      await expect(preparePack({ ...dirs, out: join(root, `bad-${n++}`), name: 'x' })).rejects.toMatchObject({ code: 'CONTRACT_MISMATCH', message: expect.stringMatching(message) });
    }
    // a position table of 60: a context of 77 does not fit it
    const short = await exportsWith({ sdText: { positions: 60 } });
    await expect(preparePack({ ...short, out: join(root, `bad-${n++}`), name: 'x', constants: { tokenizer: { contextLength: 77 } } })).rejects.toMatchObject({
      code: 'CONTRACT_MISMATCH',
      message: expect.stringMatching(/the context length 77 exceeds .*text_encoder\/model\.onnx's position table \(60 positions\)/),
    });
    const dirs = await exportsWith({ vaeOptions: { downsample: 2 } });
    await expect(preparePack({ ...dirs, out: join(root, `bad-${n++}`), name: 'x', constants: { sd: { vaeDownsample: 8 } } })).rejects.toMatchObject({
      code: 'CONTRACT_MISMATCH',
      message: expect.stringMatching(/constants\.sd\.vaeDownsample was given as 8, but .*vae_encoder\/model\.onnx says 2/),
    });
  });

  it('inspect reports a manifest constant that differs from the graphs, and a VAE that samples', async () => {
    const dirs = await exportsWith({ vaeOptions: { downsample: 2 } });
    const out = join(root, `pack-${n++}`);
    await preparePack({ ...dirs, out, name: 'i', constants: { sd: { imageSize: 64 } } });
    const manifestPath = join(out, 'manifest.json');
    const m = JSON.parse(await readFile(manifestPath, 'utf8'));
    m.constants.sd.vaeDownsample = 8;
    m.constants.clip.embedDim = 512;
    await writeFile(manifestPath, JSON.stringify(m));
    const sampling = buildModel(tinyVaeEncoder({ variant: 'latent_sample', downsample: 2, sampling: true }));
    await writeFile(join(out, 'sd/vae_encoder.onnx'), sampling);
    m.files.find((f: { path: string }) => f.path === 'sd/vae_encoder.onnx').bytes = sampling.length;
    await writeFile(manifestPath, JSON.stringify(m));
    const { problems } = await inspectPack(out, { verify: 'size' });
    expect(problems).toEqual([
      'constants.sd.vaeDownsample is 8 in the manifest, but sd/vae_encoder.onnx says 2',
      'constants.clip.embedDim is 512 in the manifest, but clip/text_model.onnx says 6',
      'sd/vae_encoder.onnx: two runs on the same image gave different latents (the VAE samples; prepare the pack again)',
    ]);
  });

  it('refuses a call whose attention cannot fit the memory limit, and splits a UNet batch to fit', async () => {
    // a scalar timestep: this tiny UNet sums a [B] timestep over the batch, which would tie the items together
    const dirs = await exportsWith({ vaeOptions: { attention: true }, unet: { timestep: { dtype: 'int64', shape: 'scalar' } } });
    const out = join(root, `pack-${n++}`);
    const { manifest } = await preparePack({ ...dirs, out, name: 'm', constants: { sd: { imageSize: 64 } } });
    const unetPeak = manifest.models.unet.attentionPeak;
    expect(unetPeak?.terms[0].exponent).toBe(4); // the tiny UNet's self-attention at latent/1
    const small = await loadPack(out, { executionProvider: 'cpu', maxModelMemory: 1024 });
    await expect(small.encodeVae(new Float32Array(3 * 64 * 64), 64)).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      figures: { neededBytes: 3 * 64 * 64 * 4, limitBytes: 1024 },
    });
    expect(() => small.checkMemory({ sdImageSize: 64 })).toThrow(/needs about 48\.0 KiB for its attention/);
    await small.dispose();
    // room for one UNet item at latent 8, not two: a batch of 2 runs as two calls with the same results
    const perItem = (unetPeak?.terms[0].elements ?? 0) * 4 * 3;
    const one = await loadPack(out, { executionProvider: 'cpu', maxModelMemory: Math.floor(perItem * 1.5) });
    const free = await loadPack(out, { executionProvider: 'cpu', maxModelMemory: Infinity });
    const rand = prng(5);
    const call = { sample: randomArray(2 * 4 * 64, rand), batch: 2, timestep: 51, encoderHiddenStates: randomArray(2 * 77 * 8, rand) };
    const split = (await one.unet(call)).noise;
    const whole = (await free.unet(call)).noise;
    expect(split.length).toBe(whole.length);
    // one item per call: the same values up to float summation order
    for (let i = 0; i < whole.length; i++) expect(Math.abs(split[i] - whole[i])).toBeLessThan(1e-5);
    expect(one.callCounts().unet).toBe(1);
    await one.dispose();
    await free.dispose();
  });
});
