import { readFile } from 'node:fs/promises';
import {
  decodeRle,
  scoreMask,
  summarizeMetrics,
  type DatasetSample,
  type ExpressionResult,
  type Preset,
  type RefDiff,
  type SegmentOptions,
  type SegmentationMetrics,
} from '@refdiff/pipeline';
import { SingleBar } from 'cli-progress';
import { datasetPath, readDatasetIndex, readMaskPng } from './dataset-io';
import { openEngine } from './engine';

export interface EvalCommandOptions {
  dataset: string;
  models?: string;
  preset?: Preset;
  proposals?: 'sam' | 'weight-free';
  ablation?: boolean;
  json?: boolean;
  seed?: number;
  threads?: number;
  limit?: number;
}

interface Scored {
  intersection: number;
  union: number;
  iou: number;
}

export interface EvalRow {
  name: string;
  /** 'all' or 'direction' (expressions with a direction cue) */
  subset: 'all' | 'direction';
  n: number;
  oIoU: number;
  mIoU: number;
  precision: Record<string, number>;
}

/**
 * Ablation configurations (paper Table 4 style) for a preset: the same pipeline with branches switched off, and the
 * positional bias on/off on the expressions with a direction cue — for the full method and for the one branch P
 * multiplies (hard in `reference`, soft in `paper`).
 */
export function ablationConfigs(preset: Preset): { name: string; subset: 'all' | 'direction'; options: SegmentOptions }[] {
  const paper = preset === 'paper';
  const genOnly: SegmentOptions = paper ? { alpha: 1 } : { weights: { hard: 0, soft: 0, generative: 1 } };
  const discOnly: SegmentOptions = paper ? { alpha: 0 } : { weights: { hard: 0.7, soft: 0.3, generative: 0 } };
  const biasedOnly: SegmentOptions = paper ? { alpha: 0, beta: 1 } : { weights: { hard: 1, soft: 0, generative: 0 } };
  const branch = paper ? 'soft' : 'hard';
  return [
    { name: 'generative only (weight-free)', subset: 'all', options: { ...genOnly, proposals: 'weight-free' } },
    { name: 'generative + SAM', subset: 'all', options: { ...genOnly, proposals: 'sam' } },
    { name: 'discriminative + SAM', subset: 'all', options: { ...discOnly, proposals: 'sam' } },
    { name: 'full (weight-free proposals)', subset: 'all', options: { proposals: 'weight-free' } },
    { name: 'full', subset: 'all', options: { proposals: 'sam' } },
    { name: 'full, direction expressions', subset: 'direction', options: { proposals: 'sam' } },
    { name: 'full without positional bias, direction expressions', subset: 'direction', options: { proposals: 'sam', positionalBias: 'off' } },
    { name: `${branch} branch + SAM, direction expressions`, subset: 'direction', options: { ...biasedOnly, proposals: 'sam' } },
    {
      name: `${branch} branch + SAM without positional bias, direction`,
      subset: 'direction',
      options: { ...biasedOnly, proposals: 'sam', positionalBias: 'off' },
    },
  ];
}

interface Loaded {
  sample: DatasetSample;
  gt: Uint8Array | null;
  error: string | null;
}

/** Scores one configuration on every sample, one segment() call per image (all its expressions together). */
async function evaluate(
  engine: RefDiff,
  groups: Map<string, Loaded[]>,
  bytesOf: (image: string) => Promise<Uint8Array>,
  options: SegmentOptions,
  tick: () => void,
): Promise<{ scores: Map<string, Scored>; directions: Set<string>; errors: Map<string, string>; ms: number }> {
  const scores = new Map<string, Scored>();
  const directions = new Set<string>();
  const errors = new Map<string, string>();
  let ms = 0;
  for (const [image, items] of groups) {
    const valid = items.filter((it) => it.gt !== null);
    for (const it of items) if (it.error) errors.set(it.sample.id, it.error);
    if (valid.length > 0) {
      const t0 = performance.now();
      try {
        const r = await engine.segment({ image: await bytesOf(image) }, valid.map((v) => v.sample.expression), options);
        valid.forEach((v, i) => {
          const e = r.results[i];
          if (e.ok) {
            const pred = decodeRle((e as ExpressionResult).mask.rle);
            if (pred.length !== v.gt!.length) {
              errors.set(v.sample.id, `mask size ${pred.length} px differs from the ground truth's ${v.gt!.length} px`);
              scores.set(v.sample.id, { intersection: 0, union: v.gt!.reduce((a, b) => a + b, 0), iou: 0 });
            } else scores.set(v.sample.id, scoreMask(pred, v.gt!));
            if (e.directions.length > 0) directions.add(v.sample.id);
          } else {
            errors.set(v.sample.id, `${e.error.code}: ${e.error.message}`);
          }
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        for (const v of valid) errors.set(v.sample.id, `${code ? code + ': ' : ''}${(err as Error).message}`);
      }
      ms += performance.now() - t0;
    }
    for (let k = 0; k < items.length; k++) tick();
  }
  return { scores, directions, errors, ms };
}

function summarise(name: string, subset: 'all' | 'direction', ids: string[], scores: Map<string, Scored>, gtArea: Map<string, number>): EvalRow {
  // an expression that could not be answered counts as an empty prediction (IoU 0, union = ground-truth area)
  const list = ids.map((id) => scores.get(id) ?? { intersection: 0, union: gtArea.get(id) ?? 0, iou: 0 });
  if (list.length === 0) return { name, subset, n: 0, oIoU: NaN, mIoU: NaN, precision: {} };
  const m: SegmentationMetrics = summarizeMetrics(list);
  return { name, subset, n: list.length, oIoU: m.oIoU, mIoU: m.mIoU, precision: { ...m.precision } };
}

export async function runEval(o: EvalCommandOptions, io: { stdout: (s: string) => void; stderr: (s: string) => void; stderrTty: boolean }): Promise<number> {
  const parsed = await readDatasetIndex(o.dataset);
  for (const e of parsed.errors) io.stderr(`refdiff: ${o.dataset}/index.jsonl line ${e.line}: ${e.message}\n`);
  const samples = o.limit ? parsed.samples.slice(0, o.limit) : parsed.samples;
  if (samples.length === 0) throw new Error(`no usable samples in ${o.dataset}/index.jsonl`);

  // ground truth, grouped by image so each image's expressions go through the engine together
  const groups = new Map<string, Loaded[]>();
  const gtArea = new Map<string, number>();
  for (const sample of samples) {
    let gt: Uint8Array | null = null;
    let error: string | null = null;
    try {
      gt = (await readMaskPng(datasetPath(o.dataset, sample.mask))).mask;
      gtArea.set(sample.id, gt.reduce((a, b) => a + b, 0));
    } catch (err) {
      error = `ground-truth mask ${sample.mask}: ${(err as Error).message}`;
    }
    const list = groups.get(sample.image) ?? [];
    list.push({ sample, gt, error });
    groups.set(sample.image, list);
  }
  const bytesCache = new Map<string, Uint8Array>();
  const bytesOf = async (image: string) => {
    let b = bytesCache.get(image);
    if (!b) {
      b = new Uint8Array(await readFile(datasetPath(o.dataset, image)));
      bytesCache.clear();
      bytesCache.set(image, b);
    }
    return b;
  };
  const engine = await openEngine({ models: o.models, threads: o.threads }, (l) => io.stderr(l + '\n'));
  const preset = o.preset ?? 'reference';
  const base: SegmentOptions = { preset, seed: o.seed, ...(o.proposals ? { proposals: o.proposals } : {}) };
  const configs = o.ablation ? ablationConfigs(preset) : [{ name: 'full', subset: 'all' as const, options: {} }];
  // the full configuration runs first, so its time per expression includes the image-side work (cold cache)
  const distinct = new Map<string, SegmentOptions>();
  const fullConfig = configs.find((c) => c.name === 'full')!;
  distinct.set(JSON.stringify(fullConfig.options), fullConfig.options);
  for (const c of configs) distinct.set(JSON.stringify(c.options), c.options);

  const bar = new SingleBar(
    { stream: process.stderr, noTTYOutput: !io.stderrTty, notTTYSchedule: 5000, format: 'eval [{bar}] {value}/{total} expressions | {config}', hideCursor: io.stderrTty },
  );
  bar.start(samples.length * distinct.size, 0, { config: '' });
  const results = new Map<string, Awaited<ReturnType<typeof evaluate>>>();
  const callsBefore = { ...engine.modelCalls() };
  try {
    for (const [key, options] of distinct) {
      bar.update({ config: key === '{}' ? preset : key });
      results.set(key, await evaluate(engine, groups, bytesOf, { ...base, ...options }, () => bar.increment()));
    }
  } finally {
    bar.stop();
  }
  const callsAfter = engine.modelCalls();
  await engine.dispose();

  const ids = samples.map((s) => s.id);
  const main = results.get(JSON.stringify(fullConfig.options))!;
  const rows: EvalRow[] = configs.map((c) => {
    const r = results.get(JSON.stringify(c.options))!;
    const subset = c.subset === 'all' ? ids : ids.filter((id) => main.directions.has(id));
    return summarise(c.name, c.subset, subset, r.scores, gtArea);
  });
  const full = rows.find((r) => r.name === 'full')!;
  const secondsPerExpression = main.ms / 1000 / ids.length;
  const modelCalls: Record<string, number> = {};
  for (const [k, v] of Object.entries(callsAfter)) if (v - (callsBefore[k] ?? 0) > 0) modelCalls[k] = v - (callsBefore[k] ?? 0);
  const errors = [...main.errors].map(([id, message]) => ({ id, message }));

  if (o.json) {
    io.stdout(
      JSON.stringify({
        n: full.n,
        oIoU: full.oIoU,
        mIoU: full.mIoU,
        precision: full.precision,
        secondsPerExpression,
        preset,
        errors,
        modelCalls,
        ...(o.ablation ? { ablation: rows } : {}),
      }) + '\n',
    );
  } else {
    const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(2) : '   —');
    io.stdout(`dataset ${o.dataset}: ${full.n} expressions, preset ${preset}${errors.length ? `, ${errors.length} errors` : ''}\n`);
    io.stdout(`oIoU ${pct(full.oIoU)}  mIoU ${pct(full.mIoU)}  ${Object.entries(full.precision).map(([t, v]) => `P@${t} ${pct(v)}`).join('  ')}\n`);
    io.stdout(`mean time per expression ${secondsPerExpression.toFixed(3)} s\n`);
    if (o.ablation) {
      io.stdout(`\n${'ablation'.padEnd(58)}    n    oIoU    mIoU   P@0.5   P@0.9\n`);
      for (const r of rows) {
        io.stdout(`${r.name.padEnd(58)} ${String(r.n).padStart(4)}  ${pct(r.oIoU).padStart(6)}  ${pct(r.mIoU).padStart(6)}  ${pct(r.precision['0.5'] ?? NaN).padStart(6)}  ${pct(r.precision['0.9'] ?? NaN).padStart(6)}\n`);
      }
    }
    for (const e of errors.slice(0, 10)) io.stderr(`refdiff: ${e.id}: ${e.message}\n`);
  }
  return 0;
}
