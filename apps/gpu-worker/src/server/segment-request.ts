import type { Preset, ProposalSource, SegmentOptions, SegmentOverrides } from '@refdiff/pipeline';
import type { SegmentRequest__Output } from '@refdiff/worker-contract';
import { WorkerError } from './worker.errors';

export interface SegmentLimits {
  maxImageBytes: number;
  maxExpressions: number;
}

/** A request checked and translated for the engine (without the signal, which the handler adds). */
export interface ValidSegmentRequest {
  input: ({ image: Uint8Array } | { sha256: string }) & { cacheNamespace?: string };
  expressions: string[];
  options: Omit<SegmentOptions, 'signal'>;
}

const PRESETS: Record<string, Preset | undefined> = {
  PRESET_UNSPECIFIED: undefined,
  PRESET_PAPER: 'paper',
  PRESET_REFERENCE: 'reference',
};
const PROPOSAL_SOURCES: Record<string, ProposalSource | undefined> = {
  PROPOSAL_SOURCE_UNSPECIFIED: undefined,
  PROPOSAL_SOURCE_SAM: 'sam',
  PROPOSAL_SOURCE_WEIGHT_FREE: 'weight-free',
};
const ATTENTION_KINDS: Record<string, SegmentOverrides['attentionKind']> = {
  ATTENTION_KIND_UNSPECIFIED: undefined,
  ATTENTION_KIND_LOGITS: 'logits',
  ATTENTION_KIND_PROBS: 'probs',
};
const POSITIONAL_BIASES: Record<string, SegmentOverrides['positionalBias']> = {
  POSITIONAL_BIAS_UNSPECIFIED: undefined,
  POSITIONAL_BIAS_RAMP: 'ramp',
  POSITIONAL_BIAS_SOFT: 'soft',
  POSITIONAL_BIAS_OFF: 'off',
};
const THRESHOLD_MODES: Record<string, SegmentOverrides['thresholdMode']> = {
  THRESHOLD_MODE_UNSPECIFIED: undefined,
  THRESHOLD_MODE_VALUE: 'value',
  THRESHOLD_MODE_QUANTILE: 'quantile',
};

const SHA256_HEX = /^[0-9a-f]{64}$/;
const CACHE_NAMESPACE = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Checks a decoded SegmentRequest before it reaches the queue or the engine. Collects every problem and throws one
 * WorkerError (INVALID_ARGUMENT, or IMAGE_TOO_LARGE for an oversized image) listing them all.
 */
export function validateSegmentRequest(req: SegmentRequest__Output, limits: SegmentLimits): ValidSegmentRequest {
  const problems: string[] = [];

  let input: ValidSegmentRequest['input'] | undefined;
  if (req.image === 'imageData' && req.imageData) {
    if (req.imageData.length === 0) problems.push('image_data is empty');
    else if (req.imageData.length > limits.maxImageBytes) {
      throw new WorkerError(
        'IMAGE_TOO_LARGE',
        `image_data is ${req.imageData.length} bytes; the limit is ${limits.maxImageBytes}`,
      );
    } else input = { image: new Uint8Array(req.imageData.buffer, req.imageData.byteOffset, req.imageData.length) };
  } else if (req.image === 'imageSha256' && req.imageSha256 !== undefined) {
    const sha = req.imageSha256.toLowerCase();
    if (!SHA256_HEX.test(sha)) problems.push('image_sha256 must be 64 hex digits');
    else input = { sha256: sha };
  } else {
    problems.push('one of image_data or image_sha256 is required');
  }

  const expressions = req.expressions ?? [];
  if (expressions.length === 0) problems.push('at least one expression is required');
  if (expressions.length > limits.maxExpressions) {
    problems.push(`${expressions.length} expressions; at most ${limits.maxExpressions} per call`);
  }

  const options: Omit<SegmentOptions, 'signal'> = {};
  const o = req.options;
  if (o) {
    const pick = <T>(table: Record<string, T>, value: unknown, field: string): T | undefined => {
      if (typeof value === 'string' && value in table) return table[value];
      problems.push(`${field}: unknown value ${JSON.stringify(value)}`);
      return undefined;
    };
    const preset = pick(PRESETS, o.preset, 'options.preset');
    if (preset) options.preset = preset;
    const proposals = pick(PROPOSAL_SOURCES, o.proposalSource, 'options.proposal_source');
    if (proposals) options.proposals = proposals;
    if (o.seed !== undefined) options.seed = o.seed;
    if (o.returnAttention) options.returnAttention = true;

    const ov = o.overrides;
    if (ov) {
      const num = (field: string, value: number | undefined, ok: (v: number) => boolean, rule: string) => {
        if (value === undefined) return undefined;
        if (!Number.isFinite(value) || !ok(value)) {
          problems.push(`options.overrides.${field} must be ${rule}, got ${value}`);
          return undefined;
        }
        return value;
      };
      const unit = (v: number) => v >= 0 && v <= 1;
      const set = <K extends keyof SegmentOverrides>(key: K, value: SegmentOverrides[K] | undefined) => {
        if (value !== undefined) options[key] = value;
      };
      set('alpha', num('alpha', ov.alpha, unit, 'in [0, 1]'));
      set('beta', num('beta', ov.beta, unit, 'in [0, 1]'));
      set('strength', num('strength', ov.strength, (v) => v > 0 && v <= 1, 'in (0, 1]'));
      set('guidanceScale', num('guidance_scale', ov.guidanceScale, (v) => v >= 0 && v <= 100, 'in [0, 100]'));
      set(
        'imageSize',
        num('image_size', ov.imageSize, (v) => v >= 64 && v <= 4096 && v % 64 === 0, 'a multiple of 64 in [64, 4096]'),
      );
      set('steps', num('steps', ov.steps, (v) => v >= 1 && v <= 1000, 'in [1, 1000]'));
      const level = num('attention_level', ov.attentionLevel, (v) => [1, 2, 4, 8].includes(v), 'one of 1, 2, 4, 8');
      if (level !== undefined) options.attentionLevel = level as 1 | 2 | 4 | 8;
      set('topK', num('top_k', ov.topK, (v) => v >= 1 && v <= 1000, 'in [1, 1000]'));
      set('minArea', num('min_area', ov.minArea, (v) => v >= 0, '>= 0'));
      if (ov.weights) {
        const w = ov.weights;
        const finite = [w.hard, w.soft, w.generative].every(Number.isFinite);
        if (!finite) problems.push('options.overrides.weights must be finite numbers');
        else options.weights = { hard: w.hard, soft: w.soft, generative: w.generative };
      }
      set('attentionKind', pick(ATTENTION_KINDS, ov.attentionKind, 'options.overrides.attention_kind'));
      set('positionalBias', pick(POSITIONAL_BIASES, ov.positionalBias, 'options.overrides.positional_bias'));
      set('thresholdMode', pick(THRESHOLD_MODES, ov.thresholdMode, 'options.overrides.threshold_mode'));
    }
  }

  const ns = req.cacheNamespace ?? '';
  if (ns !== '' && !CACHE_NAMESPACE.test(ns)) problems.push('cache_namespace must be at most 128 characters of [A-Za-z0-9_.:-]');

  if (problems.length > 0 || !input) throw new WorkerError('INVALID_ARGUMENT', problems.join('; '));
  return { input: ns ? { ...input, cacheNamespace: ns } : input, expressions: [...expressions], options };
}
