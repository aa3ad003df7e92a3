import { InvalidArgumentError, type Command } from 'commander';
import { addMethodOptions, checkMethodOptions, methodOptions } from './method-options';

/**
 * `refdiff segment`, `refdiff eval`, `refdiff dataset synth|import-refcoco` (issue 6). Actions import their modules
 * lazily so `refdiff --help` stays fast; PipelineErrors surface as `refdiff: CODE: message`.
 */
const collect = (value: string, previous: string[]): string[] => [...previous, value];

function intArg(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
    return n;
  };
}

function choice<T extends string>(name: string, values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}`);
    return value as T;
  };
}

async function withCode<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code) && err instanceof Error) throw new Error(`${code}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The synthetic world's expression kinds (@refdiff/synthetic EXPRESSION_KINDS; listed here so --help stays fast). */
const EXPRESSION_KIND_NAMES = ['color', 'color-direction', 'corner', 'direction'] as const;
type ExpressionKindName = (typeof EXPRESSION_KIND_NAMES)[number];

function kindList(value: string): ExpressionKindName[] {
  const kinds = value.split(',').map((k) => k.trim()).filter((k) => k.length > 0);
  if (kinds.length === 0) throw new InvalidArgumentError(`--kinds needs at least one of ${EXPRESSION_KIND_NAMES.join(', ')}`);
  for (const k of kinds) {
    if (!(EXPRESSION_KIND_NAMES as readonly string[]).includes(k)) throw new InvalidArgumentError(`--kinds: unknown kind ${k} (one of ${EXPRESSION_KIND_NAMES.join(', ')})`);
  }
  return [...new Set(kinds)] as ExpressionKindName[];
}

const io = () => ({
  stdout: (s: string) => void process.stdout.write(s),
  stderr: (s: string) => void process.stderr.write(s),
  stderrTty: process.stderr.isTTY === true,
});

/** The seed as typed; its range is checked with every other option by the shared validation. */
const seedArg = (v: string): number => (v.trim() === '' ? Number.NaN : Number(v));
const SEED_HELP = 'noise seed, integer 0…4294967295 (default 0)';
const OPTIONS_HELP = '\nMethod options: every constant of the method, checked as the gateway and the worker check them (docs/options.md).';

export function registerRefDiffCommands(program: Command): void {
  const segment = program
    .command('segment')
    .description('segment the object each expression refers to in an image (Ref-Diff)')
    .requiredOption('--image <path>', 'image file (PNG, JPEG, WebP, …)')
    .requiredOption('-t, --text <expression>', 'referring expression (repeatable; all run on the image together)', collect, [])
    .option('--models <pack>', 'model pack folder (default: the fixture pack, which only understands the synthetic world)')
    .option('--preset <preset>', 'paper | reference', choice('--preset', ['paper', 'reference'] as const), 'reference')
    .option('--proposals <source>', 'sam | weight-free', choice('--proposals', ['sam', 'weight-free'] as const))
    .option('--seed <n>', SEED_HELP, seedArg)
    .option('--threads <n>', 'inference threads', intArg('--threads', 1, 256))
    .option('--out <mask.png>', 'write the mask (second expression: mask-2.png, …)')
    .option('--overlay <overlay.png>', 'write the image with the mask drawn on it')
    .option('--json', 'print one JSON object (masks[].rle, masks[].bbox, masks[].score, timingsMs, modelCalls)')
    .addHelpText('after', OPTIONS_HELP);
  addMethodOptions(segment).action(async (options) => {
    const method = methodOptions(options);
    const { runSegment } = await import('./segment.command');
    process.exitCode = await withCode(async () => {
      checkMethodOptions(method); // before the pack loads
      return runSegment({ ...options, method }, io());
    });
  });

  const evaluate = program
    .command('eval')
    .description('evaluate on a dataset folder (DIR/index.jsonl): oIoU, mIoU, precision@0.5…0.9, time per expression')
    .requiredOption('--dataset <dir>', 'dataset folder (docs/datasets.md)')
    .option('--models <pack>', 'model pack folder (default: the fixture pack)')
    .option('--preset <preset>', 'paper | reference', choice('--preset', ['paper', 'reference'] as const), 'reference')
    .option('--proposals <source>', 'sam | weight-free (without --ablation)', choice('--proposals', ['sam', 'weight-free'] as const))
    .option('--ablation', 'add rows: generative only, generative + SAM, discriminative + SAM, full; positional bias on/off')
    .option('--seed <n>', SEED_HELP, seedArg)
    .option('--threads <n>', 'inference threads', intArg('--threads', 1, 256))
    .option('--limit <n>', 'evaluate only the first n samples', intArg('--limit', 1))
    .option('--predictions <file>', 'write one JSON line per sample: id, expression, iou, score, chosen proposal, root word, directions, timings')
    .option('--by <field>', 'add figures per value of an index.jsonl field, e.g. kind (repeatable)', collect, [])
    .option('--json', 'print {"n", "oIoU", "mIoU", "precision", "by": {...}, "ablation": [...]}')
    .addHelpText('after', `${OPTIONS_HELP} With --ablation, each row's own settings win over these.`);
  addMethodOptions(evaluate).action(async (options) => {
    const method = methodOptions(options);
    const { runEval } = await import('./eval.command');
    process.exitCode = await withCode(async () => {
      checkMethodOptions(method);
      return runEval({ ...options, method }, io());
    });
  });

  const dataset = program.command('dataset').description('make evaluation datasets in the refdiff format (DIR/index.jsonl)');
  dataset
    .command('synth')
    .description('scenes of the synthetic world with referring expressions and ground-truth masks')
    .requiredOption('--out <dir>', 'output folder')
    .option('--n <count>', 'number of expressions', intArg('--n', 1, 1_000_000), 200)
    .option('--seed <n>', 'seed', intArg('--seed', 0, 0x7fffffff), 1)
    .option('--max-aspect <ratio>', 'largest aspect ratio of the images (≤ 4)', Number)
    .option('--kinds <list>', `expression kinds, comma-separated (${EXPRESSION_KIND_NAMES.join(', ')}; default all)`, kindList)
    .option('--crowded', 'COCO-sized crowded scenes: 480–640 px, 3–7 shapes, a lighting gradient, noise')
    .action(async (options: { out: string; n: number; seed: number; maxAspect?: number; kinds?: ExpressionKindName[]; crowded?: boolean }) => {
      const { runSynth } = await import('./dataset.command');
      process.exitCode = await withCode(() => runSynth(options, (l) => process.stderr.write(l + '\n')));
    });
  dataset
    .command('import-refcoco')
    .description('RefCOCO/RefCOCO+/RefCOCOg: COCO instances JSON + refer-toolkit refs as JSON → dataset folder')
    .requiredOption('--instances <file>', 'COCO instances JSON (images, annotations with polygon or RLE segmentations)')
    .requiredOption('--refs <file>', 'refs(unc|umd|google).p converted to JSON (array of refs, or {"refs": [...]})')
    .requiredOption('--images <dir>', 'folder holding the images named by file_name (e.g. COCO train2014)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--split <name>', 'keep only this split (repeatable: val, testA, testB, test, train)', collect, [])
    .option('--copy-images', 'copy images into DIR/images instead of referring to them')
    .action(async (options: { instances: string; refs: string; images: string; out: string; split: string[]; copyImages?: boolean }) => {
      const { runImportRefcoco } = await import('./dataset.command');
      process.exitCode = await withCode(() =>
        runImportRefcoco({ ...options, copyImages: options.copyImages === true }, (l) => process.stderr.write(l + '\n')),
      );
    });
}
