/**
 * Synthetic benchmark of the whole method (not a test): seconds per expression and model calls with the image-side
 * cache cold vs warm, and accuracy on a fresh synthetic set.
 *
 *   npx tsx bench/synthetic.bench.ts [--n 60] [--seed 9001] [--models PACK] [--preset reference|paper]
 *                                    [--proposals sam|weight-free] [--threads 2]
 *
 * Cold: the first call on each image (decode, VAE, SAM, soft CLIP run). Warm: the same image's expressions again,
 * sent by sha256 only, with another noise seed so the expression side runs in full (the image-side models must not
 * run: the model-call columns show it). Repeat: the same sentences, seed and image again (per-sentence cache: no
 * SD text encoder, no UNet either).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as models from '@refdiff/models';
import { createRefDiff, decodeRle, scoreMask, summarizeMetrics, type ExpressionResult, type Preset, type ProposalSource } from '@refdiff/pipeline';
import { syntheticSamples, type SyntheticSample } from '@refdiff/synthetic';
import sharp from 'sharp';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '60' },
    seed: { type: 'string', default: '9001' },
    models: { type: 'string' },
    preset: { type: 'string', default: 'reference' },
    proposals: { type: 'string', default: 'sam' },
    threads: { type: 'string', default: '2' },
  },
});

async function packDir(): Promise<string> {
  if (values.models) return values.models;
  const h = createHash('sha256').update(JSON.stringify(models.FIXTURE_CONSTANTS));
  for (const [path, bytes] of models.fixtureExportFiles()) h.update(path).update(bytes);
  const dir = join(tmpdir(), `refdiff-bench-fixture-pack-${h.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(dir, 'manifest.json'))) {
    await models.makeFixturePack(dir);
  }
  return dir;
}

const pack = await packDir();
const rd = createRefDiff(await models.loadPack(pack, { executionProvider: 'cpu', threads: Number(values.threads) }), {
  imageCacheBytes: 1 << 30,
});

// group the samples by scene
const scenes = new Map<number, SyntheticSample[]>();
for (const s of syntheticSamples({ seed: Number(values.seed), count: Number(values.n) })) {
  const list = scenes.get(s.scene.seed) ?? [];
  list.push(s);
  scenes.set(s.scene.seed, list);
}

const options = { preset: values.preset as Preset, proposals: values.proposals as ProposalSource };
const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};
const cold = { ms: 0, n: 0, calls: {} as Record<string, number> };
const warm = { ms: 0, n: 0, calls: {} as Record<string, number> };
const repeat = { ms: 0, n: 0, calls: {} as Record<string, number> };
const scores = [];
for (const list of scenes.values()) {
  const { scene } = list[0];
  const png = new Uint8Array(await sharp(scene.image, { raw: { width: scene.width, height: scene.height, channels: 3 } }).png().toBuffer());
  const texts = list.map((s) => s.expression.text);
  let t0 = performance.now();
  const first = await rd.segment({ image: png }, texts, options);
  cold.ms += performance.now() - t0;
  cold.n += texts.length;
  add(cold.calls, first.modelCalls);
  t0 = performance.now();
  const again = await rd.segment({ sha256: first.image.sha256 }, texts, { ...options, seed: 1 });
  warm.ms += performance.now() - t0;
  warm.n += texts.length;
  add(warm.calls, again.modelCalls);
  t0 = performance.now();
  const third = await rd.segment({ sha256: first.image.sha256 }, texts, options);
  repeat.ms += performance.now() - t0;
  repeat.n += texts.length;
  add(repeat.calls, third.modelCalls);
  first.results.forEach((r, i) => {
    const gt = scene.masks[list[i].expression.target];
    scores.push(r.ok ? scoreMask(decodeRle((r as ExpressionResult).mask.rle), gt) : { intersection: 0, union: gt.reduce((a, b) => a + b, 0), iou: 0 });
  });
}
const m = summarizeMetrics(scores);
const roles = [...new Set([...Object.keys(cold.calls), ...Object.keys(warm.calls), ...Object.keys(repeat.calls)])].sort();
console.log(`pack ${rd.packName}, preset ${options.preset}, proposals ${options.proposals}, ${cold.n} expressions on ${scenes.size} images, seed ${values.seed}`);
console.log(`mIoU ${m.mIoU.toFixed(4)}  oIoU ${m.oIoU.toFixed(4)}  P@0.5 ${m.precision['0.5'].toFixed(3)}  P@0.9 ${m.precision['0.9'].toFixed(3)}`);
console.log(`cold (image bytes, first time): ${(cold.ms / 1000 / cold.n).toFixed(3)} s/expression`);
console.log(`warm (sha256, image cached):    ${(warm.ms / 1000 / warm.n).toFixed(3)} s/expression`);
console.log(`repeat (same sentences + seed):  ${(repeat.ms / 1000 / repeat.n).toFixed(3)} s/expression`);
console.log(`model calls        ${roles.map((r) => r.padStart(11)).join(' ')}`);
console.log(`  cold             ${roles.map((r) => String(cold.calls[r] ?? 0).padStart(11)).join(' ')}`);
console.log(`  warm             ${roles.map((r) => String(warm.calls[r] ?? 0).padStart(11)).join(' ')}`);
console.log(`  repeat           ${roles.map((r) => String(repeat.calls[r] ?? 0).padStart(11)).join(' ')}`);
console.log(`image cache: ${JSON.stringify(rd.cacheStats())}`);
await rd.dispose();
