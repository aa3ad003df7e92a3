import { aggregateAttention, type AttentionGuidance, type AttentionMap } from '../attention/attention-aggregate';
import { attentionToImageWithTotal } from '../attention/attention-to-image';
import type { SquarePlacement } from '../image/square-pad';
import { addNoise, alphasCumprod, guidedDdimStepInto, img2imgPlan } from '../diffusion/ddim-schedule';
import { gaussianNoise } from '../diffusion/gaussian-rng';
import { encodeRle } from '../masks/coco-rle';
import type { RefDiffModels, UnetAttentionReadout } from '../ports/ref-diff-models';
import type { SamPostProcessor } from '../ports/sam-post-processor';
import { generativeScores, generativeScoresFromRuns } from '../proposals/generative-score';
import { weightFreeBoxes, weightFreeFailure, weightFreeMasks, weightFreeProposals } from '../proposals/weight-free-proposals';
import { filterProposals, fullImageMask } from '../sam/proposal-filter';
import { argmax, fuseScores, type FusionPreset } from '../scoring/score-fusion';
import { CallContext } from './call-context';
import { DiscriminativeScorer } from './discriminative';
import { TextFrontEnd, type ExpressionText } from './expression-text';
import { ImageLru } from './image-cache';
import { gateAndDecode, sha256Hex } from './image-gate';
import { ImageState, type SdLatent } from './image-state';
import { InputBufferPool } from '../image/input-buffers';
import { ModelCallQueue } from './model-call-queue';
import { inlineSamPostProcessor } from './sam-post';
import { minAreaFor, packLimitsOf, resolveSettings, type ResolvedSettings } from './segment-presets';
import { PipelineError } from '../errors/pipeline.errors';
import { toEngineError } from './segment.errors';
import type {
  ExpressionError,
  ExpressionResult,
  ProposalScores,
  RefDiff,
  RefDiffConfig,
  SegmentInput,
  SegmentOptions,
  SegmentResult,
} from './segment.types';

const DEFAULT_MAX_PIXELS = 40_000_000;
const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
const DEFAULT_MAX_EXPRESSIONS = 64;
/** UNet samples per call (CFG pairs count as two) */
const UNET_BATCH = 8;

type Box = [number, number, number, number];

/** The image cache's key: the sha256 alone in the shared namespace, `<namespace>/<sha256>` in any other. */
function cacheKey(sha256: string, namespace: string | undefined): string {
  return namespace ? `${namespace}/${sha256}` : sha256;
}

/** Per-expression working state between the batched stages. */
interface Work {
  readonly slot: number;
  readonly text: ExpressionText;
  readonly timings: Record<string, number>;
  /** the aggregated map and where the image sits in its square; c [H, W] is made from them when the expression is finished */
  map?: AttentionMap;
  placement?: SquarePlacement;
}

/**
 * The whole Ref-Diff method bound to one model pack (segment.types.ts describes the contract).
 * Stages per request: image (cache by sha256) → text analysis → SD text encoder (batched) → UNet passes (expressions
 * batched, CFG pairs) → attention map c → proposals (SAM from the image cache, or weight-free from c) → s_G → CLIP
 * hard and soft branches → fusion → mask. Work stops between model calls when the signal aborts.
 */
export function createRefDiff(models: RefDiffModels, config: RefDiffConfig): RefDiff {
  return new RefDiffEngine(models, config);
}

class RefDiffEngine implements RefDiff {
  readonly packName: string;
  readonly packChecksum: string;
  readonly pack: NonNullable<RefDiff['pack']>;
  private readonly cache: ImageLru<ImageState>;
  private readonly text: TextFrontEnd;
  private readonly limits: { maxImagePixels: number; maxImageBytes: number; autoOrient: boolean };
  private readonly maxExpressions: number;
  private readonly samPost: SamPostProcessor;
  private uncondSd: Promise<Float32Array> | null = null;
  private readonly decoding = new Map<string, Promise<ImageState>>();
  /** SD's and SAM's input tensors and the padded squares, reused from image to image (no page faults per image) */
  private readonly inputBuffers = new InputBufferPool();
  /** model calls ordered by request age (config.modelCallsInFlight), or null: calls go straight to the models */
  private readonly callQueue: ModelCallQueue | null;
  private requests = 0;
  private disposed = false;

  constructor(
    private readonly models: RefDiffModels,
    config: RefDiffConfig,
  ) {
    if (!(Number.isFinite(config.imageCacheBytes) && config.imageCacheBytes >= 0)) {
      throw new PipelineError('INVALID_ARGUMENT', `imageCacheBytes must be ≥ 0, got ${config.imageCacheBytes}`);
    }
    this.packName = models.constants.packName;
    this.packChecksum = models.constants.packChecksum;
    this.pack = { limits: packLimitsOf(models.constants), tokenizer: models.constants.tokenizer };
    this.cache = new ImageLru<ImageState>(config.imageCacheBytes);
    this.text = new TextFrontEnd(models.constants.tokenizer);
    this.limits = {
      maxImagePixels: config.maxImagePixels ?? DEFAULT_MAX_PIXELS,
      maxImageBytes: config.maxImageBytes ?? DEFAULT_MAX_BYTES,
      autoOrient: config.autoOrient ?? false,
    };
    this.maxExpressions = config.maxExpressions ?? DEFAULT_MAX_EXPRESSIONS;
    this.samPost = config.samPostProcessor ?? inlineSamPostProcessor;
    this.callQueue = config.modelCallsInFlight === undefined ? null : new ModelCallQueue(config.modelCallsInFlight);
  }

  hasImage(sha256: string, cacheNamespace?: string): boolean {
    return this.cache.has(cacheKey(sha256, cacheNamespace));
  }

  cacheStats() {
    return this.cache.stats();
  }

  modelCalls(): Readonly<Record<string, number>> {
    return this.models.callCounts();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.cache.clear();
    await this.models.dispose();
  }

  async segment(
    input: SegmentInput,
    expressions: readonly string[],
    options: SegmentOptions = {},
  ): Promise<SegmentResult> {
    if (this.disposed) throw new PipelineError('INTERNAL', 'this RefDiff has been disposed');
    const settings = resolveSettings(options, this.models.constants);
    if (!Array.isArray(expressions) || expressions.length === 0) {
      throw new PipelineError('INVALID_ARGUMENT', 'at least one expression is required');
    }
    if (expressions.length > this.maxExpressions) {
      throw new PipelineError('INVALID_ARGUMENT', `${expressions.length} expressions in one call; the limit is ${this.maxExpressions}`);
    }
    const ctx = new CallContext(options.signal, this.callQueue, this.requests++);
    ctx.checkAbort();

    const { state, hit, key } = await this.resolveImage(input, ctx);
    this.cache.pin(key);
    try {
      const results = await this.run(state, expressions, settings, options, ctx);
      return {
        image: { width: state.width, height: state.height, sha256: state.sha256 },
        preset: settings.preset,
        proposalSource: settings.proposals,
        results,
        timingsMs: roundTimings(ctx.timings),
        modelCalls: { ...ctx.calls },
        imageCacheHit: hit,
      };
    } finally {
      this.cache.unpin(key);
    }
  }

  private async resolveImage(input: SegmentInput, ctx: CallContext) {
    const ns = input && typeof input.cacheNamespace === 'string' ? input.cacheNamespace : undefined;
    if (input && 'image' in input && input.image !== undefined) {
      const sha = sha256Hex(input.image);
      const key = cacheKey(sha, ns);
      const cached = this.cache.get(key);
      if (cached) return { state: cached, hit: true, key };
      // concurrent requests for the same new image share one decode and one ImageState (so one SAM run)
      let pending = this.decoding.get(key);
      if (!pending) {
        const bytes = input.image;
        pending = ctx
          .time('decodeMs', () => gateAndDecode(bytes, this.limits))
          .then((rgb) => {
            const state = new ImageState(sha, rgb, this.inputBuffers);
            this.cache.set(key, state);
            return state;
          })
          .finally(() => this.decoding.delete(key));
        this.decoding.set(key, pending);
        return { state: await pending, hit: false, key };
      }
      return { state: await pending, hit: true, key };
    }
    if (input && 'sha256' in input && typeof input.sha256 === 'string') {
      const key = cacheKey(input.sha256, ns);
      const cached = this.cache.get(key);
      if (!cached) throw new PipelineError('IMAGE_NOT_CACHED', `image ${input.sha256} is not cached; send the image bytes`);
      return { state: cached, hit: true, key };
    }
    throw new PipelineError('INVALID_ARGUMENT', 'input must be { image: Uint8Array } or { sha256: string }');
  }

  private async run(
    state: ImageState,
    expressions: readonly string[],
    s: ResolvedSettings,
    options: SegmentOptions,
    ctx: CallContext,
  ): Promise<(ExpressionResult | ExpressionError)[]> {
    const out: (ExpressionResult | ExpressionError)[] = new Array(expressions.length);
    const fail = (slot: number, err: unknown) => {
      const e = toEngineError(err, 'internal');
      if (e.code === 'ABORTED') throw e;
      out[slot] = { ok: false, expression: String(expressions[slot]), error: { code: e.code, message: e.message } };
    };

    // 1. text analysis: bad expressions become per-expression errors
    const work: Work[] = [];
    expressions.forEach((raw, slot) => {
      const t0 = performance.now();
      try {
        const text = this.text.analyse(raw);
        work.push({ slot, text, timings: { textMs: performance.now() - t0 } });
      } catch (err) {
        fail(slot, err);
      }
    });
    if (work.length === 0) return out;

    // 2. image side (cached): SD latent, and SAM proposals when asked for — after the memory preflight, so a size
    // that cannot fit fails before any model runs
    try {
      this.models.checkMemory?.({ sdImageSize: s.imageSize });
    } catch (err) {
      throw toEngineError(err, 'internal');
    }
    const latent = await state.latent(this.models, ctx, s.imageSize);
    const sam = s.proposals === 'sam' ? await state.samProposals(this.models, ctx, this.samPost) : null;
    this.cache.evict();

    // 3. generative attention, expressions batched
    try {
      await this.attention(state, latent, work, s, ctx);
    } catch (err) {
      const e = toEngineError(err, 'model-output');
      if (e.code === 'ABORTED' || e.code === 'PACK_MISMATCH' || e.code === 'RESOURCE_EXHAUSTED') throw e;
      for (const w of work) fail(w.slot, e);
      return out;
    }

    // 4. discriminative side and fusion, one expression at a time (each proposal set differs)
    const scorer = new DiscriminativeScorer(this.models, state, s, ctx);
    const scratch = new MapScratch();
    const discriminative = s.fusion === 'paper' ? s.alpha !== 1 : s.weights.hard !== 0 || s.weights.soft !== 0;
    if (discriminative) await scorer.encodeTexts(work.map((w) => w.text));
    for (const w of work) {
      try {
        out[w.slot] = await this.finishExpression(state, w, sam, scorer, s, options, ctx, scratch);
      } catch (err) {
        const e = toEngineError(err, 'internal');
        if (e.code === 'ABORTED' || e.code === 'PACK_MISMATCH' || e.code === 'RESOURCE_EXHAUSTED') throw e;
        fail(w.slot, e);
      }
    }
    this.cache.evict();
    return out;
  }

  private uncond(ctx: CallContext): Promise<Float32Array> {
    if (!this.uncondSd) {
      const ids = this.text.emptyIds();
      this.uncondSd = ctx.model('sdText', () => this.models.encodeSdText(ids, 1, { signal: ctx.signal })).catch((err: unknown) => {
        this.uncondSd = null;
        throw err;
      });
    }
    return this.uncondSd;
  }

  private attentionLayers(s: ResolvedSettings): string[] {
    const layers = this.models.constants.sd.attentionLayers
      .filter((l) => l.level === s.attentionLevel && l.kinds.includes(s.attentionKind))
      .map((l) => l.name);
    if (layers.length === 0) {
      const have = this.models.constants.sd.attentionLayers.map((l) => `${l.name} (level ${l.level}, ${l.kinds.join('/')})`);
      throw new PipelineError(
        'PACK_MISMATCH',
        `the pack has no cross-attention ${s.attentionKind} at level ${s.attentionLevel}; it has ${have.join(', ') || 'none'}`,
      );
    }
    return layers;
  }

  /**
   * SD text encoder + UNet passes → the attention map c [H, W] of each expression. Maps already computed for the
   * same sentence and settings on this image come from the per-sentence cache.
   */
  private async attention(
    state: ImageState,
    latent: SdLatent,
    all: Work[],
    s: ResolvedSettings,
    ctx: CallContext,
  ): Promise<void> {
    const sd = this.models.constants.sd;
    const layers = this.attentionLayers(s);
    const cfg = s.guidanceScale !== 1;
    const settingsKey = [s.imageSize, s.steps, s.strength, s.guidanceScale, s.attentionLevel, s.attentionKind, s.seed].join('|');
    const keyOf = (w: Work) => `${settingsKey}|${w.text.rootToken}|${w.text.sdIds.join(',')}`;
    const work: Work[] = [];
    for (const w of all) {
      const hit = state.attentionMaps.get(keyOf(w));
      if (hit) {
        const ta = performance.now();
        w.map = hit;
        w.placement = latent.placement;
        w.timings.attentionMs = performance.now() - ta;
      } else work.push(w);
    }
    if (work.length === 0) return;
    const ctxLen = this.models.constants.tokenizer.contextLength;
    const hidden = sd.textHiddenSize;
    const row = ctxLen * hidden;

    // SD text: the conditional prompts of all expressions in one call; "" once per engine
    const ids = new Int32Array(work.length * ctxLen);
    work.forEach((w, i) => ids.set(w.text.sdIds, i * ctxLen));
    const t0 = performance.now();
    const cond = await ctx.model('sdText', () => this.models.encodeSdText(ids, work.length, { signal: ctx.signal }));
    const uncond = cfg ? await this.uncond(ctx) : null;
    if (cond.length !== work.length * row || (uncond && uncond.length !== row)) {
      throw new PipelineError('PACK_MISMATCH', `SD text encoder returned ${cond.length} values for ${work.length} prompts; expected [${work.length}, ${ctxLen}, ${hidden}]`);
    }
    share(work, 'sdTextMs', performance.now() - t0);

    // the seeded noise: same ε for every expression on this image, so results do not depend on batching
    const plan = img2imgPlan(s.steps, s.strength, sd.trainTimesteps);
    const abar = alphasCumprod(sd.betaStart, sd.betaEnd, sd.trainTimesteps);
    // z_t depends on the image, the SD size, the seed and the noise level only: once per image (ImageState)
    const zt = state.noisedLatent(`${s.imageSize}|${s.seed}|${plan.noiseTimestep}`, () =>
      addNoise(latent.z0, gaussianNoise(latent.z0.length, s.seed), abar[plan.noiseTimestep]),
    );
    const latentLen = zt.length;
    const guidance: AttentionGuidance = cfg ? { mode: 'cfg', scale: s.guidanceScale } : { mode: 'cond' };

    const perCall = Math.max(1, Math.floor(UNET_BATCH / (cfg ? 2 : 1)));
    for (let start = 0; start < work.length; start += perCall) {
      const chunk = work.slice(start, start + perCall);
      const per = cfg ? 2 : 1;
      const batch = chunk.length * per;
      const readouts: UnetAttentionReadout[][] = [];
      const encoder = new Float32Array(batch * row);
      chunk.forEach((_, i) => {
        const c = cond.subarray((start + i) * row, (start + i + 1) * row);
        if (uncond) {
          encoder.set(uncond, 2 * i * row);
          encoder.set(c, (2 * i + 1) * row);
        } else encoder.set(c, i * row);
      });
      const tu = performance.now();
      // one sample buffer for the chunk's steps: the UNet only borrows it for the call, and each DDIM step writes the
      // next latent of expression i straight into its slots (its CFG pair holds the same latent twice)
      const sample = new Float32Array(batch * latentLen);
      for (let i = 0; i < batch; i++) sample.set(zt, i * latentLen);
      for (let k = 0; k < plan.unetTimesteps.length; k++) {
        const t = plan.unetTimesteps[k];
        const res = await ctx.model('unet', () =>
          this.models.unet(
            { sample, batch, timestep: t, encoderHiddenStates: encoder, attention: { layers, kind: s.attentionKind } },
            { signal: ctx.signal },
          ),
        );
        if (res.noise.length !== batch * latentLen) {
          throw new PipelineError('PACK_MISMATCH', `UNet returned ${res.noise.length} noise values for batch ${batch}; expected ${batch * latentLen}`);
        }
        const got = res.attention.filter((r) => layers.includes(r.layer) && r.kind === s.attentionKind);
        if (got.length !== layers.length) {
          throw new PipelineError('PACK_MISMATCH', `UNet returned ${got.length} of the ${layers.length} attention readouts asked for (${layers.join(', ')})`);
        }
        readouts.push(got);
        if (k + 1 < plan.unetTimesteps.length) {
          const prev = abar[plan.unetTimesteps[k + 1]];
          for (let i = 0; i < chunk.length; i++) {
            // ddimStep(x, cfgCombine(ε_u, ε_c, scale)) (or of ε) in one pass, in place: the same bits
            const x = sample.subarray(i * per * latentLen, (i * per + 1) * latentLen);
            const e = res.noise.subarray(i * per * latentLen, (i * per + 1) * latentLen);
            const c = cfg ? res.noise.subarray((2 * i + 1) * latentLen, (2 * i + 2) * latentLen) : null;
            guidedDdimStepInto(x, e, c, s.guidanceScale, abar[t], prev, x);
            for (let j = 1; j < per; j++) sample.copyWithin((i * per + j) * latentLen, i * per * latentLen, (i * per + 1) * latentLen);
          }
        }
      }
      share(chunk, 'unetMs', performance.now() - tu);
      const flat = readouts.flat();
      chunk.forEach((w, i) => {
        const ta = performance.now();
        let map: AttentionMap;
        try {
          map = aggregateAttention(flat, {
            tokens: [w.text.rootToken],
            guidance,
            condIndex: cfg ? 2 * i + 1 : i,
            uncondIndex: cfg ? 2 * i : undefined,
          });
        } catch (err) {
          throw toEngineError(err, 'model-output');
        }
        state.rememberAttention(keyOf(w), map);
        w.map = map;
        w.placement = latent.placement;
        w.timings.attentionMs = performance.now() - ta;
      });
    }
  }

  private async finishExpression(
    state: ImageState,
    w: Work,
    sam: Awaited<ReturnType<ImageState['samProposals']>> | null,
    scorer: DiscriminativeScorer,
    s: ResolvedSettings,
    options: SegmentOptions,
    ctx: CallContext,
    scratch: MapScratch,
  ): Promise<ExpressionResult> {
    const W = state.width;
    const H = state.height;
    // c [H, W] at the image's size: into the call's scratch (one buffer for all its expressions, no fresh 1.3 MB of
    // page faults at COCO size each) unless the caller keeps it (returnAttention)
    const ta = performance.now();
    // with Σ c (s_G's total) taken while c is written
    const { c, total } = attentionToImageWithTotal(w.map!, w.placement!, 1e-8, options.returnAttention ? undefined : scratch.take(W * H));
    w.timings.attentionMs = (w.timings.attentionMs ?? 0) + (performance.now() - ta);
    const tp = performance.now();
    let masks: Uint8Array[];
    let areas: number[];
    let boxes: Box[];
    let sG: Float64Array;
    let keep: Uint8Array;
    const minArea = minAreaFor(s, W, H);
    let samIndices: number[] | null = null;
    if (sam) {
      if (sam.masks.length === 0) {
        masks = [fullImageMask(W, H)];
        areas = [W * H];
        boxes = [[0, 0, W - 1, H - 1]];
        keep = Uint8Array.of(1);
      } else {
        masks = sam.masks;
        areas = sam.areas;
        boxes = sam.boxes;
        samIndices = masks.map((_, i) => i);
        keep = filterProposals(areas, { topK: s.topK, minArea });
        // nothing large enough: the topK largest compete rather than no answer at all
        if (!keep.some((k) => k === 1)) keep = filterProposals(areas, { topK: s.topK, minArea: 0 });
      }
      // SAM's masks come with their runs (once per image): the same sums, reading only the masks' pixels
      sG = samIndices ? generativeScoresFromRuns(c, sam.runs, total) : generativeScores(c, masks);
    } else {
      const wf = weightFreeProposals(c, W, H, { mode: s.thresholdMode });
      const failure = weightFreeFailure(c, wf);
      if (failure) {
        throw new PipelineError(
          'NO_PROPOSAL',
          failure === 'flat'
            ? 'the attention map is flat (the same everywhere), so weight-free proposals cannot locate the referent; try proposals: sam'
            : 'no weight-free proposal has a pixel (the attention map stays below the lowest threshold); try proposals: sam',
        );
      }
      // all 19 masks and their boxes in one pass each over the level map
      masks = weightFreeMasks(wf);
      areas = Array.from(wf.areas);
      boxes = weightFreeBoxes(wf).map((b) => b ?? ([0, 0, 0, 0] as Box));
      sG = Float64Array.from(wf.scores);
      keep = new Uint8Array(masks.length);
      for (let k = 0; k < masks.length; k++) keep[k] = areas[k] > minArea && Number.isFinite(sG[k]) ? 1 : 0;
      if (!keep.some((k) => k === 1)) for (let k = 0; k < masks.length; k++) keep[k] = areas[k] > 0 ? 1 : 0;
    }
    w.timings.proposalsMs = performance.now() - tp;

    const td = performance.now();
    const need =
      s.fusion === 'paper'
        ? { hard: s.alpha !== 1 && s.beta !== 1, soft: s.alpha !== 1 && s.beta !== 0 }
        : { hard: s.weights.hard !== 0, soft: s.weights.soft !== 0 };
    const disc = await scorer.score(w.text, masks, keep, samIndices, need, { areas, boxes });
    w.timings.clipMs = performance.now() - td;

    const preset: FusionPreset =
      s.fusion === 'paper'
        ? { kind: 'paper', alpha: s.alpha, beta: s.beta }
        : { kind: 'reference', hard: s.weights.hard, soft: s.weights.soft, generative: s.weights.generative };
    // discriminative scores are NaN for filtered proposals (never encoded); fusion gives them −∞ through keep
    const hardIn = Float64Array.from(disc.hard, (v) => (Number.isNaN(v) ? 0 : v));
    const softIn = Float64Array.from(disc.soft, (v) => (Number.isNaN(v) ? 0 : v));
    const fused = fuseScores({ generative: sG, hard: hardIn, soft: softIn, keep }, preset);
    const chosen = argmax(fused);
    const mask = masks[chosen];
    // never an empty mask as a success (e.g. SAM masks that are all empty under a stability threshold of 0)
    if (!(areas[chosen] > 0)) throw new PipelineError('NO_PROPOSAL', 'every proposal is empty: there is no mask to return');
    const bbox = boxes[chosen];
    const proposals: ProposalScores[] = masks.map((_, i) => ({
      generative: sG[i],
      hard: disc.hard[i],
      soft: disc.soft[i],
      fused: fused[i],
      bbox: boxes[i],
      area: areas[i],
      filtered: keep[i] === 0,
    }));
    const tm = performance.now();
    // a SAM proposal's RLE is the same for every expression that picks it: encoded once per image; only its tight box
    // (SAM's and the weight-free boxes are the masks' own) is read
    const rle = samIndices ? state.proposalRle(samIndices[chosen], () => encodeRle(mask, W, H, bbox)) : encodeRle(mask, W, H, bbox);
    w.timings.maskMs = performance.now() - tm;
    void ctx;
    return {
      ok: true,
      expression: w.text.text,
      // areas are exact pixel counts (SAM's generator, the weight-free level counts, W·H for the whole image)
      mask: { rle: { size: [rle.size[0], rle.size[1]], counts: rle.counts }, bbox, area: areas[chosen] },
      chosen,
      score: fused[chosen],
      proposals,
      root: w.text.root,
      directions: w.text.directions,
      timingsMs: roundTimings(w.timings),
      ...(options.returnAttention ? { attention: { width: W, height: H, data: c } } : {}),
    };
  }
}

/** One [H, W] buffer for the attention maps of a call's expressions, each used only while its expression is finished. */
class MapScratch {
  private data: Float32Array | null = null;

  take(length: number): Float32Array {
    if (!this.data || this.data.length !== length) this.data = new Float32Array(length);
    return this.data;
  }
}

function share(work: readonly Work[], key: string, ms: number): void {
  for (const w of work) w.timings[key] = (w.timings[key] ?? 0) + ms / work.length;
}

function roundTimings(t: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(t)) out[k] = Math.round(v * 1000) / 1000;
  return out;
}
