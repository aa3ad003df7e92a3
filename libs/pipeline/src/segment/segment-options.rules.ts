import type { BiasBranch, Preset, SegmentOptions, SegmentOverrides, TextWeights } from './segment.types';

/**
 * The one validation of per-request method options, shared by every entry: the engine (resolveSettings), the gRPC
 * worker (before it queues a call), the gateway (at `segment` time, so nothing invalid is queued or charged) and the
 * CLI. Bounds live here and nowhere else; each entry only renames the fields (OPTION_TABLE) in its messages.
 *
 * Checks run on the options merged with the preset's defaults, so cross-field rules (strength × steps) see what will
 * really run: `steps: 1000` alone fails because the default strength 0.1 gives 100 UNet passes.
 */

/** Bounds of every numeric option (inclusive unless the name says otherwise). */
export const OPTION_BOUNDS = Object.freeze({
  alpha: { min: 0, max: 1 },
  beta: { min: 0, max: 1 },
  /** each fusion weight; at least one must be > 0 */
  weight: { min: 0, max: 100 },
  /** each (sentence, root) text-target weight; at least one must be > 0 */
  textWeight: { min: 0, max: 1 },
  imageSize: { min: 64, max: 2048, multipleOf: 64 },
  steps: { min: 2, max: 1000 },
  /** open interval (0, 1) */
  strength: { minExclusive: 0, maxExclusive: 1 },
  /** ⌊strength · steps⌋: UNet passes per image and expression batch */
  unetPasses: { min: 1, max: 8 },
  guidanceScale: { min: 1, max: 50 },
  attentionLevel: [1, 2, 4, 8] as const,
  topK: { min: 1, max: 1000 },
  minArea: { min: 0, max: 2_147_483_647 },
  /** [0, 1) */
  minAreaRatio: { min: 0, maxExclusive: 1 },
  seed: { min: 0, max: 4_294_967_295 },
  /** lower bound: the pack's CLIP size (224) when the pack is known */
  clipMaxSide: { min: 1, max: 4096 },
  /** non-zero; |maskedLayer| ≤ the pack's readable layers (ViT-B/16: 12) when the pack is known */
  maskedLayer: { min: -64, max: 64 },
});

/** Enumerated options: their values in the engine's spelling (GraphQL and gRPC use the upper-case forms). */
export const OPTION_VALUES = Object.freeze({
  preset: ['paper', 'reference'] as const,
  proposals: ['sam', 'weight-free'] as const,
  attentionKind: ['logits', 'probs'] as const,
  positionalBias: ['ramp', 'soft', 'off'] as const,
  biasBranch: ['hard', 'soft'] as const,
  thresholdMode: ['value', 'quantile'] as const,
  fusion: ['paper', 'reference'] as const,
  clipResolution: ['full', 'fixed'] as const,
});

/**
 * What the checks need to know about the model pack that will run the request (packLimitsOf(constants); a worker
 * reports it in GetInfo). Without it, the pack-dependent rules (clipResolution 'full' needs a dynamic-size CLIP,
 * clipMaxSide ≥ the CLIP size, maskedLayer within the encoder) fall back to pack-independent bounds and the
 * pack-dependent defaults (imageSize, clipResolution) stay null ("the pack's").
 */
export interface PackLimits {
  readonly packName: string;
  readonly sdImageSize: number;
  readonly clipImageSize: number;
  readonly clipDynamicImageSize: boolean;
  /** encoder layers the masked CLIP encoder can read out (1 = only the last) */
  readonly clipLayers: number;
}

/** One problem with one option. `field` is the option's path in SegmentOptions (`weights.hard`, `steps`). */
export interface OptionIssue {
  readonly field: string;
  readonly message: string;
}

/** The preset's value of every overridable constant (imageSize: null = the model pack's SD resolution). */
export interface PresetDefaults {
  readonly proposals: 'sam' | 'weight-free';
  readonly alpha: number;
  readonly beta: number;
  readonly weights: { readonly hard: number; readonly soft: number; readonly generative: number };
  readonly imageSize: number | null;
  readonly steps: number;
  readonly strength: number;
  readonly guidanceScale: number;
  readonly attentionLevel: 1 | 2 | 4 | 8;
  readonly attentionKind: 'logits' | 'probs';
  readonly topK: number;
  readonly minArea: number | null;
  readonly minAreaRatio: number;
  readonly positionalBias: 'ramp' | 'soft' | 'off';
  readonly biasBranch: BiasBranch;
  readonly thresholdMode: 'value' | 'quantile';
  readonly seed: number;
  readonly hardText: TextWeights;
  readonly softText: TextWeights;
  readonly fusion: Preset;
  /** null: the pack's best ('full' on a dynamic-size CLIP, else 'fixed') */
  readonly clipResolution: 'full' | 'fixed' | null;
  readonly clipMaxSide: number;
  /** 1-based, or negative from the end (−1 = last); paper 2 falls back to −1 on packs with one readable layer */
  readonly maskedLayer: number;
}

/** default cap on the long side of a full-resolution CLIP input (COCO images, ≤ 640 px, are never scaled) */
export const DEFAULT_CLIP_MAX_SIDE = 1024;

/** default minimum proposal area as a share of the image area (see segment-presets.ts) */
export const DEFAULT_MIN_AREA_RATIO = 0.002;

const COMMON = {
  proposals: 'sam',
  alpha: 0.1,
  beta: 0.3,
  weights: Object.freeze({ hard: 0.7, soft: 0.3, generative: 0.05 }),
  imageSize: null,
  steps: 20,
  strength: 0.1,
  attentionLevel: 4,
  topK: 10,
  minArea: null,
  minAreaRatio: DEFAULT_MIN_AREA_RATIO,
  thresholdMode: 'value',
  seed: 0,
  softText: Object.freeze({ sentence: 0.5, root: 0.5 }),
  clipResolution: null,
  clipMaxSide: DEFAULT_CLIP_MAX_SIDE,
} as const;

/** Every preset's value of every overridable constant (method.md §4; why each: segment-presets.ts). */
export const PRESET_DEFAULTS: Readonly<Record<Preset, PresetDefaults>> = Object.freeze({
  reference: Object.freeze({
    ...COMMON,
    guidanceScale: 9,
    attentionKind: 'logits',
    positionalBias: 'ramp',
    biasBranch: 'hard',
    hardText: Object.freeze({ sentence: 1, root: 0 }),
    fusion: 'reference',
    maskedLayer: -1,
  }),
  paper: Object.freeze({
    ...COMMON,
    guidanceScale: 1,
    attentionKind: 'probs',
    positionalBias: 'soft',
    biasBranch: 'soft',
    hardText: Object.freeze({ sentence: 0.5, root: 0.5 }),
    fusion: 'paper',
    // the paper reads f_Mi at its second layer
    maskedLayer: 2,
  }),
});

// Every per-request constant has a preset value and a rule here: a setting added to SegmentOverrides without one
// fails to compile (then add it to PRESET_DEFAULTS, checkSegmentOptions, OPTION_TABLE and the three entries).
type WithoutDefault = Exclude<keyof SegmentOverrides, keyof PresetDefaults>;
const everyOverrideHasADefault: [WithoutDefault] extends [never] ? true : WithoutDefault = true;
void everyOverrideHasADefault;

/** Options merged with their preset's defaults (what the engine runs; with PackLimits, imageSize and clipResolution filled). */
export type MergedOptions = PresetDefaults & { readonly preset: Preset };

const fmt = (v: unknown): string => (typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v));

/**
 * Merges the options with the preset's defaults and checks every value. Never throws: returns the merged settings
 * (meaningful only when `issues` is empty) and every problem, each naming its field.
 */
export function checkSegmentOptions(options: SegmentOptions = {}, pack?: PackLimits | null): { merged: MergedOptions; issues: OptionIssue[] } {
  const issues: OptionIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ field, message });
  const oneOf = <T extends string>(field: string, value: unknown, values: readonly T[]): void => {
    if (!(values as readonly unknown[]).includes(value)) bad(field, `must be one of ${values.map((v) => `'${v}'`).join(', ')}, got ${fmt(value)}`);
  };
  const given = (v: unknown) => v !== undefined && v !== null;

  const preset = (given(options.preset) ? options.preset : 'reference') as Preset;
  oneOf('preset', preset, OPTION_VALUES.preset);
  const d = PRESET_DEFAULTS[preset] ?? PRESET_DEFAULTS.reference;
  const pick = <K extends keyof PresetDefaults>(k: K): PresetDefaults[K] =>
    given((options as Record<string, unknown>)[k]) ? ((options as Record<string, unknown>)[k] as PresetDefaults[K]) : d[k];
  const merged: MergedOptions = {
    preset,
    proposals: pick('proposals'),
    alpha: pick('alpha'),
    beta: pick('beta'),
    weights: pick('weights'),
    imageSize: pick('imageSize'),
    steps: pick('steps'),
    strength: pick('strength'),
    guidanceScale: pick('guidanceScale'),
    attentionLevel: pick('attentionLevel'),
    attentionKind: pick('attentionKind'),
    topK: pick('topK'),
    minArea: pick('minArea'),
    minAreaRatio: pick('minAreaRatio'),
    positionalBias: pick('positionalBias'),
    biasBranch: pick('biasBranch'),
    thresholdMode: pick('thresholdMode'),
    seed: pick('seed'),
    hardText: pick('hardText'),
    softText: pick('softText'),
    fusion: pick('fusion'),
    clipResolution: pick('clipResolution'),
    clipMaxSide: pick('clipMaxSide'),
    maskedLayer: pick('maskedLayer'),
  };
  if (pack) {
    // the pack's part of the defaults
    const m = merged as { -readonly [K in keyof MergedOptions]: MergedOptions[K] };
    m.imageSize ??= pack.sdImageSize;
    m.clipResolution ??= pack.clipDynamicImageSize ? 'full' : 'fixed';
    if (!given(options.maskedLayer) && pack.clipLayers < 2) m.maskedLayer = -1;
  }

  const range = (field: string, v: unknown, b: { min?: number; max?: number; minExclusive?: number; maxExclusive?: number }, integer = false): boolean => {
    const lo = b.min !== undefined ? `[${b.min}` : `(${b.minExclusive}`;
    const hi = b.max !== undefined ? `${b.max}]` : `${b.maxExclusive})`;
    const rule = `${integer ? 'an integer' : 'a number'} in ${lo}, ${hi}`;
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (!integer || Number.isInteger(v)) &&
      (b.min === undefined || v >= b.min) &&
      (b.max === undefined || v <= b.max) &&
      (b.minExclusive === undefined || v > b.minExclusive) &&
      (b.maxExclusive === undefined || v < b.maxExclusive);
    if (!ok) bad(field, `must be ${rule}, got ${fmt(v)}`);
    return ok;
  };
  const group = <K extends string>(field: string, v: unknown, keys: readonly K[], b: { min: number; max: number }): void => {
    if (typeof v !== 'object' || v === null) {
      bad(field, `must be an object with ${keys.join(', ')}, got ${fmt(v)}`);
      return;
    }
    const o = v as Record<string, unknown>;
    const before = issues.length;
    for (const k of keys) range(`${field}.${k}`, o[k], b);
    if (issues.length === before && keys.every((k) => o[k] === 0)) bad(field, `at least one of ${keys.join(', ')} must be > 0`);
  };

  const m = merged;
  oneOf('proposals', m.proposals, OPTION_VALUES.proposals);
  range('alpha', m.alpha, OPTION_BOUNDS.alpha);
  range('beta', m.beta, OPTION_BOUNDS.beta);
  group('weights', m.weights, ['hard', 'soft', 'generative'], OPTION_BOUNDS.weight);
  if (m.imageSize !== null) {
    const b = OPTION_BOUNDS.imageSize;
    const v = m.imageSize as unknown;
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= b.min && v <= b.max && v % b.multipleOf === 0)) {
      bad('imageSize', `must be a multiple of ${b.multipleOf} in [${b.min}, ${b.max}], got ${fmt(v)}`);
    }
  }
  const stepsOk = range('steps', m.steps, OPTION_BOUNDS.steps, true);
  const strengthOk = range('strength', m.strength, OPTION_BOUNDS.strength);
  if (stepsOk && strengthOk) {
    const passes = Math.floor(m.strength * m.steps);
    const { min, max } = OPTION_BOUNDS.unetPasses;
    if (passes < min || passes > max) {
      // name the field the caller set (steps alone with the default strength is the usual way to get here)
      const field = given(options.strength) || !given(options.steps) ? 'strength' : 'steps';
      bad(field, `⌊strength × steps⌋ must give ${min} to ${max} UNet passes, got ⌊${m.strength} × ${m.steps}⌋ = ${passes}`);
    }
  }
  range('guidanceScale', m.guidanceScale, OPTION_BOUNDS.guidanceScale);
  if (!(OPTION_BOUNDS.attentionLevel as readonly unknown[]).includes(m.attentionLevel)) {
    bad('attentionLevel', `must be one of ${OPTION_BOUNDS.attentionLevel.join(', ')}, got ${fmt(m.attentionLevel)}`);
  }
  oneOf('attentionKind', m.attentionKind, OPTION_VALUES.attentionKind);
  range('topK', m.topK, OPTION_BOUNDS.topK, true);
  if (m.minArea !== null) range('minArea', m.minArea, OPTION_BOUNDS.minArea, true);
  range('minAreaRatio', m.minAreaRatio, OPTION_BOUNDS.minAreaRatio);
  oneOf('positionalBias', m.positionalBias, OPTION_VALUES.positionalBias);
  oneOf('biasBranch', m.biasBranch, OPTION_VALUES.biasBranch);
  oneOf('thresholdMode', m.thresholdMode, OPTION_VALUES.thresholdMode);
  range('seed', m.seed, OPTION_BOUNDS.seed, true);
  group('hardText', m.hardText, ['sentence', 'root'], OPTION_BOUNDS.textWeight);
  group('softText', m.softText, ['sentence', 'root'], OPTION_BOUNDS.textWeight);
  oneOf('fusion', m.fusion, OPTION_VALUES.fusion);
  if (m.clipResolution !== null) {
    oneOf('clipResolution', m.clipResolution, OPTION_VALUES.clipResolution);
    if (m.clipResolution === 'full' && pack && !pack.clipDynamicImageSize) {
      bad(
        'clipResolution',
        `'full' needs a model pack whose CLIP vision graphs take any size (clip.dynamicImageSize); pack '${pack.packName}' only takes ` +
          `${pack.clipImageSize}² — use 'fixed' or re-run \`refdiff models prepare\``,
      );
    }
  }
  range('clipMaxSide', m.clipMaxSide, { ...OPTION_BOUNDS.clipMaxSide, ...(pack ? { min: pack.clipImageSize } : {}) }, true);
  const layers = pack ? pack.clipLayers : OPTION_BOUNDS.maskedLayer.max;
  const ml = m.maskedLayer as unknown;
  if (!(typeof ml === 'number' && Number.isInteger(ml) && ml !== 0 && Math.abs(ml) <= layers)) {
    bad(
      'maskedLayer',
      `must be a non-zero integer in [−${layers}, ${layers}] (1-based, negative counts from the end` +
        `${pack ? `; pack '${pack.packName}' has ${layers} readable layer${layers === 1 ? '' : 's'}` : ''}), got ${fmt(ml)}`,
    );
  }
  return { merged, issues };
}

/** `field: message; field: message` with each field renamed for the entry that reports it. */
export function formatOptionIssues(issues: readonly OptionIssue[], rename: (field: string) => string = (f) => f): string {
  return issues.map((i) => `${rename(i.field)}: ${i.message}`).join('; ');
}
