import { readFile } from 'node:fs/promises';
import { writeFileMkdir } from './dataset-io';
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
import { checkMethodOptions } from './method-options';

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
  /** write one JSON line per sample (the full configuration) to this file */
  predictions?: string;
  /** index.jsonl fields to group the figures by (e.g. kind) */
  by?: string[];
  /** every method option given (flags of the shared option table); ablation rows override theirs */
  method?: SegmentOptions;
}

interface Scored {
  intersection: number;
  union: number;
  iou: number;
}

/** Figures of one group of samples (one value of a --by field). */
export interface EvalGroup {
  value: string;
  n: number;
  oIoU: number;
  mIoU: number;
  precision: Record<string, number>;
}

export interface EvalRow {
  name: string;
  /** 'all' or 'direction' (expressions with a direction cue) */
  subset: 'all' | 'direction';
  n: number;
  oIoU: number;
  mIoU: number;
  precision: Record<string, number>;
  /** per --by field: the row's figures per value of that field (groups sum to n) */
  by?: Record<string, EvalGroup[]>;
}

/** One line of --predictions: what the engine answered for a sample and how it scored. */
export interface PredictionLine {
  id: string;
  image: string;
  expression: string;
  /** index.jsonl's extra fields (kind, form, color, …) */
  fields: Record<string, unknown>;
  iou: number;
  intersection: number;
  union: number;
  /** fused score of the chosen proposal (null when the expression failed) */
  score: number | null;
  chosen: { index: number; bbox: [number, number, number, number]; area: number; generative: number; hard: number; soft: number; fused: number } | null;
  /** fused score of the best other unfiltered proposal (the margin the choice won by) */
  runnerUp: { index: number; fused: number } | null;
  proposals: { bbox: [number, number, number, number]; area: number; generative: number; hard: number; soft: number; fused: number; filtered: boolean }[];
  root: { index: number; word: string } | null;
  directions: { cue: string; index: number }[];
  timingsMs: Record<string, number>;
  error: string | null;
}

/** The value of an index.jsonl field as a group label: strings as they are, anything else as JSON, absent "(none)". */
export function fieldValue(sample: DatasetSample, field: string): string {
  const core: Record<string, unknown> = { id: sample.id, image: sample.image, expression: sample.expression, mask: sample.mask };
  const v = field in core ? core[field] : sample.extra?.[field];
  if (v === undefined) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
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
): Promise<{ scores: Map<string, Scored>; directions: Set<string>; errors: Map<string, string>; ms: number; answers: Map<string, ExpressionResult> }> {
  const scores = new Map<string, Scored>();
  const directions = new Set<string>();
  const errors = new Map<string, string>();
  const answers = new Map<string, ExpressionResult>();
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
            answers.set(v.sample.id, { ...(e as ExpressionResult), attention: undefined });
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
  return { scores, directions, errors, ms, answers };
}

// an expression that could not be answered counts as an empty prediction (IoU 0, union = ground-truth area)
const scoreOf = (id: string, scores: Map<string, Scored>, gtArea: Map<string, number>): Scored =>
  scores.get(id) ?? { intersection: 0, union: gtArea.get(id) ?? 0, iou: 0 };

function figures(ids: string[], scores: Map<string, Scored>, gtArea: Map<string, number>): { n: number; oIoU: number; mIoU: number; precision: Record<string, number> } {
  if (ids.length === 0) return { n: 0, oIoU: NaN, mIoU: NaN, precision: {} };
  const m: SegmentationMetrics = summarizeMetrics(ids.map((id) => scoreOf(id, scores, gtArea)));
  return { n: ids.length, oIoU: m.oIoU, mIoU: m.mIoU, precision: { ...m.precision } };
}

function summarise(
  name: string,
  subset: 'all' | 'direction',
  ids: string[],
  scores: Map<string, Scored>,
  gtArea: Map<string, number>,
  by: { field: string; valueOf: (id: string) => string }[],
): EvalRow {
  const row: EvalRow = { name, subset, ...figures(ids, scores, gtArea) };
  if (by.length > 0) {
    row.by = {};
    for (const { field, valueOf } of by) {
      const groups = new Map<string, string[]>();
      for (const id of ids) {
        const v = valueOf(id);
        groups.set(v, [...(groups.get(v) ?? []), id]);
      }
      row.by[field] = [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([value, members]) => ({ value, ...figures(members, scores, gtArea) }));
    }
  }
  return row;
}

function predictionLine(sample: DatasetSample, scored: Scored, answer: ExpressionResult | undefined, error: string | undefined): PredictionLine {
  const base = { id: sample.id, image: sample.image, expression: sample.expression, fields: { ...(sample.extra ?? {}) }, ...scored };
  if (!answer) {
    return { ...base, score: null, chosen: null, runnerUp: null, proposals: [], root: null, directions: [], timingsMs: {}, error: error ?? 'not answered' };
  }
  const proposals = answer.proposals.map((p) => ({
    bbox: p.bbox,
    area: p.area,
    generative: p.generative,
    hard: p.hard,
    soft: p.soft,
    fused: p.fused,
    filtered: p.filtered,
  }));
  const c = answer.proposals[answer.chosen];
  let runnerUp: PredictionLine['runnerUp'] = null;
  answer.proposals.forEach((p, i) => {
    if (i !== answer.chosen && !p.filtered && Number.isFinite(p.fused) && (runnerUp === null || p.fused > runnerUp.fused)) runnerUp = { index: i, fused: p.fused };
  });
  return {
    ...base,
    score: answer.score,
    chosen: c ? { index: answer.chosen, bbox: c.bbox, area: c.area, generative: c.generative, hard: c.hard, soft: c.soft, fused: c.fused } : null,
    runnerUp,
    proposals,
    root: answer.root,
    directions: answer.directions,
    timingsMs: answer.timingsMs,
    error: error ?? null,
  };
}

/** JSON without NaN/±Infinity (written as null; filtered proposals have NaN branch scores and fused −∞). */
const finiteJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

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
  const base: SegmentOptions = { preset, seed: o.seed, ...(o.proposals ? { proposals: o.proposals } : {}), ...o.method };
  try {
    checkMethodOptions(base, engine.pack?.limits); // the pack-dependent rules, named by flag
  } catch (err) {
    await engine.dispose();
    throw err;
  }
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
  const byId = new Map(samples.map((s) => [s.id, s]));
  const by = (o.by ?? []).map((field) => ({ field, valueOf: (id: string) => fieldValue(byId.get(id)!, field) }));
  const main = results.get(JSON.stringify(fullConfig.options))!;
  const rows: EvalRow[] = configs.map((c) => {
    const r = results.get(JSON.stringify(c.options))!;
    const subset = c.subset === 'all' ? ids : ids.filter((id) => main.directions.has(id));
    return summarise(c.name, c.subset, subset, r.scores, gtArea, by);
  });
  if (o.predictions) {
    const lines = samples.map((s) => finiteJson(predictionLine(s, scoreOf(s.id, main.scores, gtArea), main.answers.get(s.id), main.errors.get(s.id))) + '\n');
    await writeFileMkdir(o.predictions, lines.join(''));
    io.stderr(`refdiff: wrote ${lines.length} predictions to ${o.predictions}\n`);
  }
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
        ...(full.by ? { by: full.by } : {}),
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
    for (const { field } of by) {
      const values = [...new Set(rows.flatMap((r) => (r.by?.[field] ?? []).map((g) => g.value)))].sort((a, b) => a.localeCompare(b));
      io.stdout(`\nby ${field}${' '.repeat(Math.max(1, 40 - field.length))}    n    oIoU    mIoU   P@0.5   P@0.9\n`);
      for (const g of full.by?.[field] ?? []) {
        io.stdout(`${g.value.slice(0, 42).padEnd(43)} ${String(g.n).padStart(4)}  ${pct(g.oIoU).padStart(6)}  ${pct(g.mIoU).padStart(6)}  ${pct(g.precision['0.5'] ?? NaN).padStart(6)}  ${pct(g.precision['0.9'] ?? NaN).padStart(6)}\n`);
      }
      if (o.ablation) {
        io.stdout(`\nablation mIoU by ${field}${' '.repeat(Math.max(1, 41 - field.length))}${values.map((v) => v.slice(0, 16).padStart(17)).join('')}\n`);
        for (const r of rows) {
          const cells = values.map((v) => {
            const g = r.by?.[field]?.find((x) => x.value === v);
            return (g ? `${pct(g.mIoU)} (${g.n})` : '—').padStart(17);
          });
          io.stdout(`${r.name.slice(0, 58).padEnd(58)}${cells.join('')}\n`);
        }
      }
    }
    for (const e of errors.slice(0, 10)) io.stderr(`refdiff: ${e.id}: ${e.message}\n`);
  }
  return 0;
}
