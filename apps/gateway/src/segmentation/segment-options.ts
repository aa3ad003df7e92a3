/**
 * Per-request method options and expressions at `segment` time: the GraphQL input is translated to the engine's
 * options and checked by the validation the worker and the CLI share (checkSegmentOptions / checkExpression in
 * @refdiff/pipeline), against every model pack the workers have reported (PackLimits, tokenizer), so what a worker
 * would refuse is BAD_USER_INPUT here and never queued or counted. Valid options are stored with each request as
 * the worker contract's SegmentOptions (refdiff.worker.v1) and sent to the worker as they are.
 */
import {
  checkExpression,
  checkSegmentOptions,
  graphqlOptionField,
  type OptionIssue,
  type PackLimits,
  type SegmentOptions as EngineOptions,
  type TextFrontEnd,
} from '@refdiff/pipeline';
import type { SegmentOptions } from '@refdiff/worker-contract';
import type { SegmentOptionsInput } from '../__generated__/graphql';
import { badInput } from '../common/gateway.errors';

export const MAX_EXPRESSIONS = 64;
export type { SegmentOptionsInput };

/** A model pack the workers serve, as far as request checks need it (from GetInfo and GetTokenizer). */
export interface KnownPack {
  readonly limits: PackLimits;
  /** the pack's tokenizer; null until fetched */
  readonly text: TextFrontEnd | null;
}

type Lower<T extends string> = Lowercase<T>;
const lower = <T extends string>(v: T | null | undefined): Lower<T> | undefined => (v ? (v.toLowerCase() as Lower<T>) : undefined);

/** GraphQL input → the engine's options (enum spellings only; values untouched, so the shared check sees them). */
export function toEngineOptions(input: SegmentOptionsInput | null | undefined): EngineOptions {
  const o = input ?? {};
  const out: EngineOptions = {};
  const set = <K extends keyof EngineOptions>(k: K, v: EngineOptions[K] | null | undefined) => {
    if (v !== undefined && v !== null) out[k] = v;
  };
  set('preset', lower(o.preset));
  set('proposals', o.proposals === 'WEIGHT_FREE' ? 'weight-free' : lower(o.proposals));
  set('seed', o.seed);
  if (o.returnAttention) out.returnAttention = true;
  set('alpha', o.alpha);
  set('beta', o.beta);
  if (o.weights) out.weights = { hard: o.weights.hard, soft: o.weights.soft, generative: o.weights.generative };
  set('imageSize', o.imageSize);
  set('steps', o.steps);
  set('strength', o.strength);
  set('guidanceScale', o.guidanceScale);
  set('attentionLevel', o.attentionLevel as EngineOptions['attentionLevel']);
  set('attentionKind', lower(o.attentionKind));
  set('topK', o.topK);
  set('minArea', o.minArea);
  set('minAreaRatio', o.minAreaRatio);
  set('positionalBias', lower(o.positionalBias));
  set('biasBranch', lower(o.biasBranch));
  set('thresholdMode', lower(o.thresholdMode));
  if (o.hardText) out.hardText = { sentence: o.hardText.sentence, root: o.hardText.root };
  if (o.softText) out.softText = { sentence: o.softText.sentence, root: o.softText.root };
  set('fusion', lower(o.fusion));
  set('clipResolution', lower(o.clipResolution));
  set('clipMaxSide', o.clipMaxSide);
  set('maskedLayer', o.maskedLayer);
  return out;
}

/** The engine's options → the worker contract's message (absent fields stay absent). */
export function toWorkerMessage(o: EngineOptions): SegmentOptions {
  const upper = (v: string) => v.toUpperCase().replace('-', '_');
  type Ov = NonNullable<SegmentOptions['overrides']>;
  const enumOf = <E>(prefix: string, v: string | undefined): E | undefined => (v ? (`${prefix}_${upper(v)}` as E) : undefined);
  const overrides: Ov = {};
  const set = <K extends keyof typeof overrides>(k: K, v: (typeof overrides)[K] | undefined) => {
    if (v !== undefined && v !== null) overrides[k] = v;
  };
  set('alpha', o.alpha);
  set('beta', o.beta);
  set('weights', o.weights);
  set('imageSize', o.imageSize);
  set('steps', o.steps);
  set('strength', o.strength);
  set('guidanceScale', o.guidanceScale);
  set('attentionLevel', o.attentionLevel);
  set('attentionKind', enumOf<Ov['attentionKind']>('ATTENTION_KIND', o.attentionKind));
  set('topK', o.topK);
  set('minArea', o.minArea);
  set('minAreaRatio', o.minAreaRatio);
  set('positionalBias', enumOf<Ov['positionalBias']>('POSITIONAL_BIAS', o.positionalBias));
  set('biasBranch', enumOf<Ov['biasBranch']>('DISCRIMINATIVE_BRANCH', o.biasBranch));
  set('thresholdMode', enumOf<Ov['thresholdMode']>('THRESHOLD_MODE', o.thresholdMode));
  set('hardText', o.hardText);
  set('softText', o.softText);
  set('fusion', enumOf<Ov['fusion']>('PRESET', o.fusion));
  set('clipResolution', enumOf<Ov['clipResolution']>('CLIP_RESOLUTION', o.clipResolution));
  set('clipMaxSide', o.clipMaxSide);
  set('maskedLayer', o.maskedLayer);
  const out: SegmentOptions = {};
  if (o.preset) out.preset = `PRESET_${upper(o.preset)}` as SegmentOptions['preset'];
  if (o.proposals) out.proposalSource = `PROPOSAL_SOURCE_${upper(o.proposals)}` as SegmentOptions['proposalSource'];
  if (o.seed !== undefined) out.seed = o.seed;
  if (o.returnAttention) out.returnAttention = true;
  if (Object.keys(overrides).length > 0) out.overrides = overrides;
  return out;
}

function refuse(what: string, issues: readonly OptionIssue[]): never {
  const listed = issues.map((i) => `${i.field}: ${i.message}`);
  throw badInput(`${what}: ${listed.join('; ')}`, { issues });
}

/**
 * Checks the options against the pack-independent bounds and against every known pack (a request may run on any
 * worker), and converts them to the worker contract's message.
 * @throws BAD_USER_INPUT with `issues: [{ field: 'options.steps', message }]`
 */
export function toWorkerOptions(input: SegmentOptionsInput | null | undefined, packs: readonly KnownPack[] = []): SegmentOptions {
  const options = toEngineOptions(input);
  const seen = new Set<string>();
  const issues: OptionIssue[] = [];
  for (const pack of [null, ...packs.map((p) => p.limits)]) {
    for (const i of checkSegmentOptions(options, pack).issues) {
      const field = graphqlOptionField(i.field);
      const key = `${field}\u0000${i.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        issues.push({ field, message: i.message });
      }
    }
  }
  if (issues.length > 0) refuse('invalid options', issues);
  return toWorkerMessage(options);
}

/**
 * Trimmed expressions, or BAD_USER_INPUT naming every bad one (`expressions[2]`): empty or without a usable word
 * (emoji or punctuation only), over 500 code points, or over the token limit of any known pack's tokenizer.
 */
export function validateExpressions(expressions: readonly string[], packs: readonly KnownPack[] = []): string[] {
  if (expressions.length === 0) throw badInput('give at least one expression');
  if (expressions.length > MAX_EXPRESSIONS) throw badInput(`at most ${MAX_EXPRESSIONS} expressions per call`);
  const texts = packs.map((p) => p.text).filter((t): t is TextFrontEnd => t !== null);
  const issues: (OptionIssue & { code: string })[] = [];
  const out = expressions.map((e, i) => {
    const problem = [null, ...texts].map((t) => checkExpression(e, t)).find((p) => p !== null);
    if (problem) issues.push({ field: `expressions[${i}]`, message: problem.message, code: problem.code });
    return e.trim();
  });
  if (issues.length > 0) refuse('invalid expressions', issues);
  return out;
}
