/**
 * Prints timings of pack preparation, loading and every RefDiffModels call on the tiny test exports
 * (both attention layouts). Figures only — not a test. Run: npx tsx libs/models/bench/pack-bench.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPack } from '../src/pack/load-pack';
import { preparePack } from '../src/prepare/prepare-pack';
import { writeTinyExports } from '../src/testing/tiny-exports';
import { prng, randomArray } from '../src/testing/tiny-graphs';

async function time(label: string, fn: () => Promise<unknown>, runs = 20): Promise<void> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(34)} median ${ms[runs >> 1].toFixed(3)} ms  p90 ${ms[Math.floor(runs * 0.9)].toFixed(3)} ms`);
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'refdiff-bench-'));
  try {
    for (const layout of ['bh-hw-t', 'b-h-hw-t'] as const) {
      console.log(`-- tiny exports, UNet layout ${layout}`);
      const dirs = await writeTinyExports(join(root, layout), { unetLayout: layout, clipLayout: layout });
      let n = 0;
      await time('preparePack', () => preparePack({ ...dirs, out: join(root, `${layout}-pack-${n++}`), name: 'bench' }), 5);
      const pack = join(root, `${layout}-pack-0`);
      await time('loadPack (sha256, lazy)', async () => (await loadPack(pack, { executionProvider: 'cpu' })).dispose(), 5);
      await time('loadPack (preload)', async () => (await loadPack(pack, { executionProvider: 'cpu', preload: true })).dispose(), 5);
      const m = await loadPack(pack, { executionProvider: 'cpu', threads: 1 });
      const rand = prng(1);
      const ids = new Int32Array(2 * 77).fill(63);
      const h = await m.encodeSdText(ids, 2);
      const sample = randomArray(2 * 4 * 64 * 64, rand);
      await time('encodeSdText B=2', () => m.encodeSdText(ids, 2));
      await time('unet B=2 64×64 latent, no readout', () => m.unet({ sample, batch: 2, timestep: 51, encoderHiddenStates: h }));
      await time('unet B=2 64×64 latent, 3 readouts', () =>
        m.unet({ sample, batch: 2, timestep: 51, encoderHiddenStates: h, attention: { layers: m.constants.sd.attentionLayers.map((l) => l.name), kind: 'logits' } }),
      );
      await time('encodeClipRegions N=10', () => m.encodeClipRegions(randomArray(3 * 32 * 32, rand), new Uint8Array(40).fill(1), 10));
      const e = await m.encodeSamImage(randomArray(3 * 64 * 64, rand));
      await time('decodeSamPoints P=64', () => m.decodeSamPoints(e, randomArray(128, rand, 32).map((v) => v + 32), 64));
      await m.dispose();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
