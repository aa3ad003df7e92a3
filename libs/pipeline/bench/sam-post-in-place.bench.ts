/**
 * SAM post-processing of the bench scene (1,024 points × 3 candidates, 16 batches of 64), the decoder's batches read
 * in place (in a buffer the generator lends, as the engine feeds it) against copied in (the decoder's own arrays),
 * alternated in one process so both see the same load: `npx tsx libs/pipeline/bench/sam-post-in-place.bench.ts
 * [rounds=21] [width=640] [height=480]`. CPU ms of the generator (writing a batch into the lent buffer, the
 * decoder's work, not counted); medians and minima after two warm-up rounds. Fails if the two differ in any kept
 * candidate or mask.
 */
import { samGeometry } from '../src/sam/sam-geometry';
import { SamMaskGenerator } from '../src/sam/sam-mask-generator';
import { alternate, benchBatches, runGenerator } from './sam-post-alternated';

const rounds = Number(process.argv[2] ?? 21);
const g = samGeometry(Number(process.argv[3] ?? 640), Number(process.argv[4] ?? 480));
const batches = benchBatches(g);
alternate(g, rounds, [
  ['copied', () => runGenerator(SamMaskGenerator, g, batches, false)],
  ['in place', () => runGenerator(SamMaskGenerator, g, batches, true)],
]);
