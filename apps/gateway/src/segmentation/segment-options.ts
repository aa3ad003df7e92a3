/**
 * Per-request method options: the GraphQL input, validated here, stored with each request as the worker contract's
 * SegmentOptions (refdiff.worker.v1), and sent to the worker as they are.
 */
import type { SegmentOptions } from '@refdiff/worker-contract';
import { z } from 'zod';
import { badInput } from '../common/gateway.errors';

export const MAX_EXPRESSIONS = 64;
export const MAX_EXPRESSION_LENGTH = 500;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const unit = finite.min(0).max(1);

export const segmentOptionsInput = z
  .object({
    preset: z.enum(['PAPER', 'REFERENCE']).nullish(),
    proposals: z.enum(['SAM', 'WEIGHT_FREE']).nullish(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).nullish(),
    returnAttention: z.boolean().nullish(),
    alpha: unit.nullish(),
    beta: unit.nullish(),
    weights: z.object({ hard: finite, soft: finite, generative: finite }).nullish(),
    imageSize: z.number().int().min(64).max(2048).refine((v) => v % 64 === 0, 'must be a multiple of 64').nullish(),
    steps: z.number().int().min(1).max(1000).nullish(),
    strength: finite.gt(0).max(1).nullish(),
    guidanceScale: finite.min(0).max(50).nullish(),
    attentionLevel: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]).nullish(),
    attentionKind: z.enum(['LOGITS', 'PROBS']).nullish(),
    topK: z.number().int().min(1).max(256).nullish(),
    minArea: z.number().int().min(0).nullish(),
    positionalBias: z.enum(['RAMP', 'SOFT', 'OFF']).nullish(),
    thresholdMode: z.enum(['VALUE', 'QUANTILE']).nullish(),
  })
  .strict();

export type SegmentOptionsInput = z.input<typeof segmentOptionsInput>;

/** Validates the GraphQL input and converts it to the worker contract's message (absent fields stay absent). */
export function toWorkerOptions(input: SegmentOptionsInput | null | undefined): SegmentOptions {
  const parsed = segmentOptionsInput.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`);
    throw badInput(`invalid options: ${issues.join('; ')}`, { issues });
  }
  const o = parsed.data;
  const def = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
  const overrides: NonNullable<SegmentOptions['overrides']> = {};
  const set = <K extends keyof typeof overrides>(k: K, v: (typeof overrides)[K] | null | undefined) => {
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
  set('attentionKind', o.attentionKind ? (`ATTENTION_KIND_${o.attentionKind}` as const) : undefined);
  set('topK', o.topK);
  set('minArea', o.minArea);
  set('positionalBias', o.positionalBias ? (`POSITIONAL_BIAS_${o.positionalBias}` as const) : undefined);
  set('thresholdMode', o.thresholdMode ? (`THRESHOLD_MODE_${o.thresholdMode}` as const) : undefined);
  const out: SegmentOptions = {};
  if (o.preset) out.preset = `PRESET_${o.preset}`;
  if (o.proposals) out.proposalSource = `PROPOSAL_SOURCE_${o.proposals}`;
  if (def(o.seed) !== undefined) out.seed = o.seed as number;
  if (o.returnAttention) out.returnAttention = true;
  if (Object.keys(overrides).length > 0) out.overrides = overrides;
  return out;
}

/** Trimmed expressions, or BAD_USER_INPUT naming the first bad one. */
export function validateExpressions(expressions: readonly string[]): string[] {
  if (expressions.length === 0) throw badInput('give at least one expression');
  if (expressions.length > MAX_EXPRESSIONS) throw badInput(`at most ${MAX_EXPRESSIONS} expressions per call`);
  return expressions.map((e, i) => {
    const t = e.trim();
    if (!t) throw badInput(`expression ${i} is empty`, { index: i });
    if (t.length > MAX_EXPRESSION_LENGTH) throw badInput(`expression ${i} is longer than ${MAX_EXPRESSION_LENGTH} characters`, { index: i });
    return t;
  });
}
