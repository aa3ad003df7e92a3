/**
 * SAM post-processing of the bench scene (1,024 points × 3 candidates, 16 batches of 64), the decoder's batches read
 * in place (in a buffer the generator lends, as the engine feeds it) against copied in (the decoder's own arrays),
 * alternated in one process so both see the same load: `npx tsx libs/pipeline/bench/sam-post-in-place.bench.ts
 * [rounds=21] [width=640] [height=480]`. CPU ms of the generator (writing a batch into the lent buffer, the
 * decoder's work, not counted); medians and minima after two warm-up rounds. Fails if the two differ in any kept
 * candidate or mask.
 */
import { loadavg } from 'node:os';
import { syntheticSamBatch } from '../src/bench/pipeline-bench';
import { samGeometry } from '../src/sam/sam-geometry';
import { SamMaskGenerator } from '../src/sam/sam-mask-generator';

const rounds = Number(process.argv[2] ?? 21);
const g = samGeometry(Number(process.argv[3] ?? 640), Number(process.argv[4] ?? 480));
const perBatch = 64;
const batches = Array.from({ length: 1024 / perBatch }, (_, b) => syntheticSamBatch(perBatch, b * perBatch, g.lowResSize, 100 + b));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function run(inPlace: boolean): { ms: number; result: string } {
  let ms = 0;
  let t0 = cpu();
  const gen = new SamMaskGenerator(g);
  batches.forEach((b, i) => {
    const into = inPlace ? gen.lendLowResLogits(b.points) : null;
    if (!into) return gen.addBatch(b, i * perBatch);
    ms += cpu() - t0;
    into.set(b.lowResLogits);
    t0 = cpu();
    gen.addBatch({ ...b, lowResLogits: into }, i * perBatch);
    gen.giveBack(into);
  });
  const kept = gen.finish();
  const masks = kept.map((k) => gen.mask(k));
  ms += cpu() - t0;
  gen.release();
  const result = JSON.stringify(kept.map((k) => [k.point, k.multimask, k.predIou, k.stability, k.area, k.box])) + masks.map((m) => Buffer.from(m).toString('base64')).join();
  return { ms, result };
}

const figures: Record<'copied' | 'inPlace', number[]> = { copied: [], inPlace: [] };
let expected = '';
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 ? (['inPlace', 'copied'] as const) : (['copied', 'inPlace'] as const)) {
    const { ms, result } = run(mode === 'inPlace');
    if (!expected) expected = result;
    else if (result !== expected) throw new Error(`the ${mode} run's candidates or masks differ`);
    if (r >= 2) figures[mode].push(ms);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const [c, p] = [figures.copied, figures.inPlace];
console.log(`${g.width}×${g.height}, ${rounds - 2} rounds, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`copied   median ${median(c).toFixed(1)} ms  min ${Math.min(...c).toFixed(1)} ms`);
console.log(`in place median ${median(p).toFixed(1)} ms  min ${Math.min(...p).toFixed(1)} ms  (${(median(p) / median(c)).toFixed(2)}× at the median)`);
console.log('identical candidates and masks');
