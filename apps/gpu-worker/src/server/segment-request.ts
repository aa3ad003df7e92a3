import { checkSegmentOptions, grpcOptionField } from '@refdiff/pipeline';
import type { BiasBranch, PackLimits, Preset, ProposalSource, SegmentOptions, SegmentOverrides } from '@refdiff/pipeline';
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

const BIAS_BRANCHES: Record<string, BiasBranch | undefined> = {
  DISCRIMINATIVE_BRANCH_UNSPECIFIED: undefined,
  DISCRIMINATIVE_BRANCH_HARD: 'hard',
  DISCRIMINATIVE_BRANCH_SOFT: 'soft',
};
const CLIP_RESOLUTIONS: Record<string, SegmentOverrides['clipResolution']> = {
  CLIP_RESOLUTION_UNSPECIFIED: undefined,
  CLIP_RESOLUTION_FULL: 'full',
  CLIP_RESOLUTION_FIXED: 'fixed',
};

const SHA256_HEX = /^[0-9a-f]{64}$/;
const CACHE_NAMESPACE = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Checks a decoded SegmentRequest before it reaches the queue or the engine. Collects every problem and throws one
 * WorkerError (INVALID_ARGUMENT, or IMAGE_TOO_LARGE for an oversized image) listing them all. Options go through
 * checkSegmentOptions (@refdiff/pipeline), the validation the gateway and the CLI run too, with this pack's limits.
 */
export function validateSegmentRequest(req: SegmentRequest__Output, limits: SegmentLimits, pack?: PackLimits | null): ValidSegmentRequest {
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
    const set = <K extends keyof typeof options>(key: K, value: (typeof options)[K] | undefined | null) => {
      if (value !== undefined && value !== null) options[key] = value;
    };
    set('preset', pick(PRESETS, o.preset, 'options.preset'));
    set('proposals', pick(PROPOSAL_SOURCES, o.proposalSource, 'options.proposal_source'));
    set('seed', o.seed);
    if (o.returnAttention) options.returnAttention = true;

    const ov = o.overrides;
    if (ov) {
      set('alpha', ov.alpha);
      set('beta', ov.beta);
      if (ov.weights) set('weights', { hard: ov.weights.hard, soft: ov.weights.soft, generative: ov.weights.generative });
      set('imageSize', ov.imageSize);
      set('steps', ov.steps);
      set('strength', ov.strength);
      set('guidanceScale', ov.guidanceScale);
      set('attentionLevel', ov.attentionLevel as SegmentOverrides['attentionLevel']);
      set('attentionKind', pick(ATTENTION_KINDS, ov.attentionKind, 'options.overrides.attention_kind'));
      set('topK', ov.topK);
      set('minArea', ov.minArea);
      set('minAreaRatio', ov.minAreaRatio);
      set('positionalBias', pick(POSITIONAL_BIASES, ov.positionalBias, 'options.overrides.positional_bias'));
      set('biasBranch', pick(BIAS_BRANCHES, ov.biasBranch, 'options.overrides.bias_branch'));
      set('thresholdMode', pick(THRESHOLD_MODES, ov.thresholdMode, 'options.overrides.threshold_mode'));
      if (ov.hardText) set('hardText', { sentence: ov.hardText.sentence, root: ov.hardText.root });
      if (ov.softText) set('softText', { sentence: ov.softText.sentence, root: ov.softText.root });
      set('fusion', pick(PRESETS, ov.fusion, 'options.overrides.fusion'));
      set('clipResolution', pick(CLIP_RESOLUTIONS, ov.clipResolution, 'options.overrides.clip_resolution'));
      set('clipMaxSide', ov.clipMaxSide);
      set('maskedLayer', ov.maskedLayer);
    }
  }
  // the one validation shared with the gateway and the CLI, against this worker's pack
  const { issues } = checkSegmentOptions(options, pack);
  for (const i of issues) problems.push(`${grpcOptionField(i.field)}: ${i.message}`);

  const ns = req.cacheNamespace ?? '';
  if (ns !== '' && !CACHE_NAMESPACE.test(ns)) problems.push('cache_namespace must be at most 128 characters of [A-Za-z0-9_.:-]');

  if (problems.length > 0 || !input) throw new WorkerError('INVALID_ARGUMENT', problems.join('; '));
  return { input: ns ? { ...input, cacheNamespace: ns } : input, expressions: [...expressions], options };
}
