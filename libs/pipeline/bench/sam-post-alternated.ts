/**
 * What the SAM post-processing A/B benches share: the bench scene's decoder batches (1,024 points × 3 candidates, 16
 * batches of 64), one generator run over them (CPU ms of the generator; writing a batch into a lent buffer is the
 * decoder's work and not counted), and two variants alternated in one process so both see the same load, checked
 * for identical kept candidates and masks, with medians and minima after two warm-up rounds.
 */
import { loadavg } from 'node:os';
import { syntheticSamBatch } from '../src/bench/pipeline-bench';
import type { SamGeometry } from '../src/sam/sam-geometry';
import type { SamMaskGenerator } from '../src/sam/sam-mask-generator';

const PER_BATCH = 64;

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export function benchBatches(g: SamGeometry) {
  return Array.from({ length: 1024 / PER_BATCH }, (_, b) => syntheticSamBatch(PER_BATCH, b * PER_BATCH, g.lowResSize, 100 + b));
}

/** One generator over the batches: each read in a buffer it lends (`inPlace`, as the engine feeds it) or copied in. */
export function runGenerator(Gen: typeof SamMaskGenerator, g: SamGeometry, batches: ReturnType<typeof benchBatches>, inPlace: boolean): { ms: number; result: string } {
  let ms = 0;
  let t0 = cpu();
  const gen = new Gen(g);
  batches.forEach((b, i) => {
    const into = inPlace ? gen.lendLowResLogits(b.points) : null;
    if (inPlace && !into) throw new Error('no lent buffer');
    if (!into) return gen.addBatch(b, i * PER_BATCH);
    ms += cpu() - t0;
    into.set(b.lowResLogits);
    t0 = cpu();
    gen.addBatch({ ...b, lowResLogits: into }, i * PER_BATCH);
    gen.giveBack(into);
  });
  const kept = gen.finish();
  const masks = kept.map((k) => gen.mask(k));
  ms += cpu() - t0;
  gen.release();
  const result = JSON.stringify(kept.map((k) => [k.point, k.multimask, k.predIou, k.stability, k.area, k.box])) + masks.map((m) => Buffer.from(m).toString('base64')).join();
  return { ms, result };
}

/** `rounds` of both variants, their order swapped every round; prints the figures, the second against the first. */
export function alternate(g: SamGeometry, rounds: number, variants: [name: string, run: () => { ms: number; result: string }][]): void {
  const load0 = loadavg()[0];
  const figures: number[][] = variants.map(() => []);
  let expected = '';
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...variants.keys()].reverse() : [...variants.keys()];
    for (const v of order) {
      const { ms, result } = variants[v][1]();
      if (!expected) expected = result;
      else if (result !== expected) throw new Error(`the ${variants[v][0]} run's candidates or masks differ`);
      if (r >= 2) figures[v].push(ms);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const width = Math.max(...variants.map(([name]) => name.length));
  console.log(`${g.width}×${g.height}, ${rounds - 2} rounds, load ${load0.toFixed(2)} → ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const base = figures[0];
  variants.forEach(([name], v) => {
    const xs = figures[v];
    const ratio = v === 0 ? '' : `  (${(median(xs) / median(base)).toFixed(2)}× at the median, ${(Math.min(...xs) / Math.min(...base)).toFixed(2)}× at the minimum)`;
    console.log(`${name.padEnd(width)} median ${median(xs).toFixed(1)} ms  min ${Math.min(...xs).toFixed(1)} ms${ratio}`);
  });
  console.log('identical candidates and masks');
}
