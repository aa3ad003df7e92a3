import type { SamPostProcessor } from '../ports/sam-post-processor';
import type { ModelPackConstants } from '../ports/ref-diff-models';
import type { PackLimits } from './segment-options.rules';

/**
 * The contract of `segment()` — the whole Ref-Diff method on one image and one or more expressions.
 * The gpu-worker serves exactly this over gRPC; the CLI prints it. (Implementation: issue 6.)
 */

export type Preset = 'paper' | 'reference';
export type ProposalSource = 'sam' | 'weight-free';
export type DirectionCue = 'left' | 'right' | 'top' | 'bottom' | 'center';
/** which discriminative branch the positional bias multiplies */
export type BiasBranch = 'hard' | 'soft';
/** weights of (sentence, root word) in a branch's text target r */
export interface TextWeights {
  readonly sentence: number;
  readonly root: number;
}

/**
 * Every constant of the method, each overridable per request; a preset fills the rest. Bounds and the presets'
 * values: segment-options.rules.ts (one validation for every entry), documented in docs/options.md.
 */
export interface SegmentOverrides {
  proposals?: ProposalSource;
  /** paper fusion: s = α·s_G + (1−α)·s_D */
  alpha?: number;
  /** paper discriminative mix: v = β·f_M(x⊙P) + (1−β)·f(x⊙M) */
  beta?: number;
  /** reference fusion weights: hard, soft, generative difference */
  weights?: { hard: number; soft: number; generative: number };
  /** side of the padded square fed to SD (multiple of 64) */
  imageSize?: number;
  /** DDIM steps of the schedule and the strength that picks how deep to noise (reference: 20, 0.1) */
  steps?: number;
  strength?: number;
  guidanceScale?: number;
  attentionLevel?: 1 | 2 | 4 | 8;
  attentionKind?: 'logits' | 'probs';
  topK?: number;
  /** proposals of at most this many pixels are filtered (absolute; overrides minAreaRatio) */
  minArea?: number;
  /** proposals of at most this share of the image area are filtered (when minArea is not given) */
  minAreaRatio?: number;
  positionalBias?: 'ramp' | 'soft' | 'off';
  /** which discriminative branch the positional bias multiplies (reference: hard, paper: soft) */
  biasBranch?: BiasBranch;
  /** weight-free thresholds: value in [0,1] or quantile of c */
  thresholdMode?: 'value' | 'quantile';
  seed?: number;
  /** text target r of the hard (masked crop) and soft (masked attention) branches: weights of sentence and root word */
  hardText?: TextWeights;
  softText?: TextWeights;
  /** fusion family: paper (alpha, beta) or reference (weights) */
  fusion?: Preset;
  /**
   * CLIP input resolution of the discriminative branches. `full` (both presets, as the reference code): the soft
   * branch sees the whole image at its own size (long side capped at clipMaxSide) with an interpolated position
   * embedding, the hard branch each crop with its short side resized to the pack's CLIP size (224); `fixed`: both
   * on the pack's fixed square (224², image or crop padded to a square). Packs without a dynamic-size CLIP only
   * support `fixed` (the default falls back to it; asking for `full` is an error).
   */
  clipResolution?: 'full' | 'fixed';
  /** longest side (pixels) of any CLIP input at `full` resolution; larger images and crops are scaled down */
  clipMaxSide?: number;
  /**
   * Encoder layer whose region tokens the soft branch reads (then post-layernorm + projection): 1-based from the
   * input, or negative from the end (−1 = last). paper: 2 (the paper reads f_Mi at its second layer); reference: −1.
   */
  maskedLayer?: number;
}

export interface SegmentOptions extends SegmentOverrides {
  preset?: Preset;
  /** include the [H, W] attention map c in each result */
  returnAttention?: boolean;
  signal?: AbortSignal;
}

export interface CocoRle {
  /** [height, width] as pycocotools */
  size: [number, number];
  /** pycocotools' compressed string form */
  counts: string;
}

export interface ProposalScores {
  /** generative s_G */
  generative: number;
  /** discriminative "hard" branch (masked crop) */
  hard: number;
  /** discriminative "soft" branch (masked attention) */
  soft: number;
  /** fused score the argmax runs on (−Infinity for filtered proposals) */
  fused: number;
  /** [x0, y0, x1, y1] inclusive */
  bbox: [number, number, number, number];
  area: number;
  filtered: boolean;
}

export interface ExpressionResult {
  ok: true;
  expression: string;
  mask: { rle: CocoRle; bbox: [number, number, number, number]; area: number };
  /** index into proposals */
  chosen: number;
  score: number;
  proposals: ProposalScores[];
  root: { index: number; word: string };
  directions: { cue: DirectionCue; index: number }[];
  timingsMs: Record<string, number>;
  /** [H, W] in [0, 1], only with returnAttention */
  attention?: { width: number; height: number; data: Float32Array };
}

export interface ExpressionError {
  ok: false;
  expression: string;
  error: { code: string; message: string };
}

export interface SegmentResult {
  image: { width: number; height: number; sha256: string };
  preset: Preset;
  proposalSource: ProposalSource;
  results: (ExpressionResult | ExpressionError)[];
  /** image-side stage timings (zero or absent when served from the image cache) */
  timingsMs: Record<string, number>;
  /** model calls this request made, per role (SD text, VAE, UNet, CLIP…, SAM…) */
  modelCalls: Record<string, number>;
  imageCacheHit: boolean;
}

/** Error codes the pipeline's typed errors carry (`err.code`); the worker and gateway map them in one place. */
export type PipelineErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_IMAGE'
  | 'UNSUPPORTED_IMAGE_FORMAT'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_NOT_CACHED'
  | 'EXPRESSION_EMPTY'
  | 'EXPRESSION_TOO_LONG'
  | 'NO_PROPOSAL'
  | 'PACK_MISMATCH'
  | 'RESOURCE_EXHAUSTED'
  | 'ABORTED'
  | 'INTERNAL';

export interface ImageCacheStats {
  entries: number;
  bytes: number;
  capacityBytes: number;
  hits: number;
  misses: number;
}

/**
 * The whole method bound to one model pack: what the CLI, the worker and the tests call.
 * Image-side work (decode, SAM proposals, VAE latent, unbiased region CLIP features) is cached per image sha256
 * in an LRU bounded in bytes, so later expressions on the same image skip the image-side models.
 */
export interface RefDiff {
  readonly packName: string;
  readonly packChecksum: string;
  /**
   * What request checks need to know about the pack: PackLimits for checkSegmentOptions and the tokenizer for
   * checkExpression (a worker reports both so the gateway checks exactly as the engine will). Absent: not known.
   */
  readonly pack?: { readonly limits: PackLimits; readonly tokenizer: Omit<ModelPackConstants['tokenizer'], 'padId'> };
  /** Whether `segment({ sha256, cacheNamespace })` would find the image without its bytes. */
  hasImage(sha256: string, cacheNamespace?: string): boolean;
  /**
   * One image, one or more expressions. With `{ sha256 }` only, throws a PipelineError 'IMAGE_NOT_CACHED' when the
   * image is not in the cache (the caller resends the bytes). Bad expressions become per-expression errors; a bad image,
   * an abort or bad options reject the whole call with a typed error. `cacheNamespace` partitions the image cache:
   * an image cached under one namespace is a miss (and costs the full image-side work) under another, so callers
   * serving several tenants can keep what one tenant processed invisible to the others. Absent = the shared one.
   */
  segment(
    input: SegmentInput,
    expressions: readonly string[],
    options?: SegmentOptions,
  ): Promise<SegmentResult>;
  cacheStats(): ImageCacheStats;
  /** Model calls since creation, per role (from RefDiffModels.callCounts). */
  modelCalls(): Readonly<Record<string, number>>;
  dispose(): Promise<void>;
}

/** The image of a call: its encoded bytes, or the sha256 of bytes sent before (hash-first), in a cache namespace. */
export type SegmentInput = ({ image: Uint8Array } | { sha256: string }) & { cacheNamespace?: string };

export interface RefDiffConfig {
  /**
   * Apply the EXIF orientation on decode, so masks and sizes follow the image as viewers display it (what a
   * product serving browsers wants). Default false: PIL's `Image.open` — what the reference code and the COCO masks
   * use — keeps the stored pixel order.
   */
  autoOrient?: boolean;
  /** LRU budget for image-side state, in bytes */
  imageCacheBytes: number;
  /** Rejected before decoding (decompression bombs); default 40 megapixels */
  maxImagePixels?: number;
  /** Encoded image size limit; default 20 MiB */
  maxImageBytes?: number;
  /** Most expressions per call; default 64 */
  maxExpressions?: number;
  /**
   * Where SAM's post-processing runs (a session per image, fed decoder batch by batch). Default: inline, on the
   * caller's thread. The GPU worker passes its worker-thread pool, so one image's post-processing overlaps the
   * next batch's decoder call and other images' stages.
   */
  samPostProcessor?: SamPostProcessor;
  /**
   * At most this many model calls at once, a free slot going to the oldest request's waiting call
   * (ModelCallQueue): images then finish one by one and the next image's CPU stages overlap the device work of the
   * others, instead of concurrent images advancing in step. Default: no limit, calls in arrival order. The GPU
   * worker sets 2 (one call running, the next already queued on the device).
   */
  modelCallsInFlight?: number;
}
