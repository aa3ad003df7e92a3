import { OPTION_BOUNDS, OPTION_VALUES, PRESET_DEFAULTS, type PresetDefaults } from './segment-options.rules';

/**
 * Every per-request option with its name at each entry (GraphQL, gRPC, CLI), its bounds and each preset's value:
 * the source of the option table in docs/options.md, of the CLI's help and of the field names in every entry's
 * messages. The validation itself is checkSegmentOptions.
 */
export interface OptionRow {
  /** name in SegmentOptions / SegmentOverrides (the engine) */
  readonly name: string;
  /** GraphQL: field of SegmentOptionsInput */
  readonly graphql: string;
  /** gRPC: field of refdiff.worker.v1.SegmentOptions or of its Overrides */
  readonly grpc: string;
  /** CLI flag of `refdiff segment` and `refdiff eval` */
  readonly cli: string;
  readonly bounds: string;
  readonly reference: string;
  readonly paper: string;
  readonly what: string;
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Top-level fields of refdiff.worker.v1.SegmentOptions; the others live in its `overrides`. */
const GRPC_TOP: Record<string, string> = { preset: 'preset', proposals: 'proposal_source', seed: 'seed' };

/** `steps` → `options.steps` (GraphQL argument path). */
export function graphqlOptionField(field: string): string {
  return `options.${field}`;
}

/** `weights.hard` → `options.overrides.weights.hard`, `proposals` → `options.proposal_source` (gRPC request path). */
export function grpcOptionField(field: string): string {
  const [head, ...rest] = field.split('.');
  const top = GRPC_TOP[head];
  return top ? `options.${top}` : ['options.overrides', snake(head), ...rest].join('.');
}

/** `guidanceScale` → `--guidance-scale`, `weights.hard` → `--weights (hard)`. */
export function cliOptionFlag(field: string): string {
  const [head, ...rest] = field.split('.');
  return `--${kebab(head)}${rest.length ? ` (${rest.join('.')})` : ''}`;
}

const range = (b: { min?: number; max?: number; minExclusive?: number; maxExclusive?: number }) =>
  `${b.min !== undefined ? `[${b.min}` : `(${b.minExclusive}`}, ${b.max !== undefined ? b.max.toLocaleString('en-US') + ']' : `${b.maxExclusive})`}`;
const values = (v: readonly string[]) => v.join(' \\| ');

function show(v: PresetDefaults[keyof PresetDefaults]): string {
  if (v === null) return '—';
  if (typeof v === 'object') return Object.values(v).join(', ');
  return String(v);
}

const ROWS: readonly { name: keyof PresetDefaults | 'preset'; bounds: string; what: string; cli?: string; reference?: string; paper?: string }[] = [
  { name: 'preset', bounds: values(OPTION_VALUES.preset), what: 'which defaults fill everything not given', reference: 'reference', paper: 'paper' },
  { name: 'proposals', bounds: values(OPTION_VALUES.proposals), what: 'mask proposals: SAM automatic masks or thresholds of the attention map' },
  { name: 'seed', bounds: `integer ${range(OPTION_BOUNDS.seed)}`, what: 'seed of the diffusion noise' },
  { name: 'imageSize', bounds: `multiple of 64 in ${range(OPTION_BOUNDS.imageSize)}`, what: 'side of the padded square fed to SD (default: the pack\'s)', reference: 'pack', paper: 'pack' },
  { name: 'steps', bounds: `integer ${range(OPTION_BOUNDS.steps)}; ⌊strength·steps⌋ in [1, 8]`, what: 'DDIM steps of the schedule' },
  { name: 'strength', bounds: `${range(OPTION_BOUNDS.strength)}; ⌊strength·steps⌋ in [1, 8]`, what: 'how deep to noise; ⌊strength·steps⌋ UNet passes' },
  { name: 'guidanceScale', bounds: range(OPTION_BOUNDS.guidanceScale), what: 'classifier-free guidance on the attention (1: conditional only)' },
  { name: 'attentionLevel', bounds: OPTION_BOUNDS.attentionLevel.join(' \\| '), what: 'UNet attention resolution level read (latent / level)' },
  { name: 'attentionKind', bounds: values(OPTION_VALUES.attentionKind), what: 'pre-softmax logits or softmax probabilities' },
  { name: 'topK', bounds: `integer ${range(OPTION_BOUNDS.topK)}`, what: 'SAM proposals kept (largest first)' },
  { name: 'minArea', bounds: `integer ${range(OPTION_BOUNDS.minArea)}`, what: 'proposals of ≤ this many pixels are filtered (overrides minAreaRatio)' },
  { name: 'minAreaRatio', bounds: range(OPTION_BOUNDS.minAreaRatio), what: 'proposals of ≤ this share of the image are filtered' },
  { name: 'thresholdMode', bounds: values(OPTION_VALUES.thresholdMode), what: 'weight-free thresholds: values of c or its quantiles' },
  { name: 'positionalBias', bounds: values(OPTION_VALUES.positionalBias), what: 'positional bias for direction words' },
  { name: 'biasBranch', bounds: values(OPTION_VALUES.biasBranch), what: 'discriminative branch the positional bias multiplies' },
  { name: 'hardText', cli: 'S,R', bounds: `each ${range(OPTION_BOUNDS.textWeight)}, not both 0`, what: 'hard branch text target: weights of sentence, root word' },
  { name: 'softText', cli: 'S,R', bounds: `each ${range(OPTION_BOUNDS.textWeight)}, not both 0`, what: 'soft branch text target: weights of sentence, root word' },
  { name: 'clipResolution', bounds: `${values(OPTION_VALUES.clipResolution)}; full needs a dynamic-size CLIP pack`, what: 'CLIP input: full resolution (soft branch on the whole image, hard on short-side-224 crops) or the fixed 224² square', reference: 'pack (full if it can)', paper: 'pack (full if it can)' },
  { name: 'clipMaxSide', bounds: `integer [pack's CLIP size, ${OPTION_BOUNDS.clipMaxSide.max}]`, what: 'longest side of a full-resolution CLIP input (larger are scaled down)' },
  { name: 'maskedLayer', bounds: 'non-zero integer, \\|v\\| ≤ the pack\'s CLIP layers (12)', what: 'CLIP layer the soft branch reads: 1-based, negative from the end', paper: '2 (−1 on one-layer packs)' },
  { name: 'fusion', bounds: values(OPTION_VALUES.fusion), what: 'fusion family: paper (alpha, beta) or reference (weights)' },
  { name: 'alpha', bounds: range(OPTION_BOUNDS.alpha), what: 'paper fusion: s = α·s_G + (1−α)·s_D' },
  { name: 'beta', bounds: range(OPTION_BOUNDS.beta), what: 'paper fusion: s_D = β·soft + (1−β)·hard' },
  { name: 'weights', cli: 'H,S,G', bounds: `each ${range(OPTION_BOUNDS.weight)}, not all 0`, what: 'reference fusion: hard, soft, generative weights' },
];

/** The option table, in the order docs and help list it. */
export const OPTION_TABLE: readonly OptionRow[] = ROWS.map((r) => ({
  name: r.name,
  graphql: r.name,
  grpc: grpcOptionField(r.name).replace(/^options\.(overrides\.)?/, (_, o) => (o ? 'overrides.' : '')),
  cli: `${cliOptionFlag(r.name)}${r.cli ? ` ${r.cli}` : ''}`,
  bounds: r.bounds,
  reference: r.reference ?? show(PRESET_DEFAULTS.reference[r.name as keyof PresetDefaults]),
  paper: r.paper ?? show(PRESET_DEFAULTS.paper[r.name as keyof PresetDefaults]),
  what: r.what,
}));

/** The table as Markdown (docs/options.md embeds it; a test keeps the two equal). */
export function optionTableMarkdown(): string {
  const head = '| option (GraphQL) | gRPC | CLI | bounds | reference | paper | what |\n|---|---|---|---|---|---|---|\n';
  return head + OPTION_TABLE.map((r) => `| \`${r.graphql}\` | \`${r.grpc}\` | \`${r.cli}\` | ${r.bounds} | ${r.reference} | ${r.paper} | ${r.what} |`).join('\n') + '\n';
}
