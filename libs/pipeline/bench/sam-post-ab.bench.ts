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
import { samGeometry } from '../src/sam/sam-geometry';
import { SamMaskGenerator as This } from '../src/sam/sam-mask-generator';
import { alternate, benchBatches, runGenerator } from './sam-post-alternated';

const before = process.argv[2];
if (!before) throw new Error('usage: sam-post-ab.bench.ts <dir under libs/pipeline/src with the other revision’s sam/> [rounds] [width] [height] [dir instead of sam/]');
type Generator = typeof This;
const load = async (dir: string) => ((await import(`../src/${dir}/sam-mask-generator.ts`)) as { SamMaskGenerator: Generator }).SamMaskGenerator;
const Before = await load(before);
// a fifth argument: compare two copies instead of the copy and this tree
const After = process.argv[6] ? await load(process.argv[6]) : This;
const rounds = Number(process.argv[3] ?? 21);
const g = samGeometry(Number(process.argv[4] ?? 640), Number(process.argv[5] ?? 480));
const batches = benchBatches(g);
alternate(g, rounds, [
  ['before', () => runGenerator(Before, g, batches, true)],
  ['after', () => runGenerator(After, g, batches, true)],
]);
