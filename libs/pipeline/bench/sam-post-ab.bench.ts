/**
 * SAM post-processing of the bench scene (1,024 points × 3 candidates, 16 batches of 64; each batch in a buffer the
 * generator lends, as the engine feeds it) by this tree's generator against another revision's, alternated in one
 * process so both see the same load. The other revision's `libs/pipeline/src/sam` is copied beside this one first
 * (not committed; delete it before typecheck / lint / test):
 *   mkdir libs/pipeline/src/sam-before && git archive <rev> libs/pipeline/src/sam | tar -x --strip-components=4 -C libs/pipeline/src/sam-before
 * then `npx tsx libs/pipeline/bench/sam-post-ab.bench.ts sam-before [rounds=21] [width=640] [height=480]`. CPU ms of
 * the generator (writing a batch into the lent buffer, the decoder's work, not counted); medians and minima after two
 * warm-up rounds. Fails if the two differ in any kept candidate or mask.
 */
import { loadavg } from 'node:os';
import { syntheticSamBatch } from '../src/bench/pipeline-bench';
import { samGeometry } from '../src/sam/sam-geometry';
import { SamMaskGenerator as This } from '../src/sam/sam-mask-generator';

const before = process.argv[2];
if (!before) throw new Error('usage: sam-post-ab.bench.ts <dir under libs/pipeline/src with the other revision’s sam/> [rounds] [width] [height] [dir instead of sam/]');
type Generator = typeof This;
const load = async (dir: string) => ((await import(`../src/${dir}/sam-mask-generator.ts`)) as { SamMaskGenerator: Generator }).SamMaskGenerator;
const Before = await load(before);
// a fifth argument: compare two copies instead of the copy and this tree
const SamMaskGenerator = process.argv[6] ? await load(process.argv[6]) : This;
const rounds = Number(process.argv[3] ?? 21);
const g = samGeometry(Number(process.argv[4] ?? 640), Number(process.argv[5] ?? 480));
const perBatch = 64;
const batches = Array.from({ length: 1024 / perBatch }, (_, b) => syntheticSamBatch(perBatch, b * perBatch, g.lowResSize, 100 + b));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function run(Gen: Generator): { ms: number; result: string } {
  let ms = 0;
  let t0 = cpu();
  const gen = new Gen(g);
  batches.forEach((b, i) => {
    const into = gen.lendLowResLogits(b.points);
    if (!into) throw new Error('no lent buffer');
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

const figures: Record<'before' | 'after', number[]> = { before: [], after: [] };
const load0 = loadavg()[0];
let expected = '';
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
    const { ms, result } = run(mode === 'after' ? SamMaskGenerator : Before);
    if (!expected) expected = result;
    else if (result !== expected) throw new Error(`the ${mode} run's candidates or masks differ`);
    if (r >= 2) figures[mode].push(ms);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const [b, a] = [figures.before, figures.after];
console.log(`${g.width}×${g.height}, ${rounds - 2} rounds, load ${load0.toFixed(2)} → ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`before median ${median(b).toFixed(1)} ms  min ${Math.min(...b).toFixed(1)} ms`);
console.log(`after  median ${median(a).toFixed(1)} ms  min ${Math.min(...a).toFixed(1)} ms  (${(median(a) / median(b)).toFixed(2)}× at the median, ${(Math.min(...a) / Math.min(...b)).toFixed(2)}× at the minimum)`);
console.log('identical candidates and masks');
