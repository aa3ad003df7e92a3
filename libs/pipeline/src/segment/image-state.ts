import type { AttentionMap } from '../attention/attention-aggregate';
import { resizeImage } from '../image/image-resize';
import { toClipPixels } from '../image/image-normalize';
import type { RgbImage } from '../image/rgb-image';
import type { CocoRle } from './segment.types';
import { prepareSamInput } from '../image/sam-input';
import { prepareSdInput } from '../image/sd-input';
import { padToSquare, type SquarePlacement } from '../image/square-pad';
import type { InputBufferPool } from '../image/input-buffers';
import type { RefDiffModels, SamImageEmbedding } from '../ports/ref-diff-models';
import { samGeometry, samPointGrid } from '../sam/sam-geometry';
import type { SamPostProcessor, SamProposals } from '../ports/sam-post-processor';
import type { CallContext } from './call-context';
import { PipelineError } from '../errors/pipeline.errors';
import type { Sized } from './image-cache';

export type { SamProposals } from '../ports/sam-post-processor';

/** attention maps kept per image (per-sentence cache) */
const MAX_ATTENTION_MAPS = 256;
/** positional biases kept per image (each W·H float32) */
const MAX_BIASES = 8;
/** noised latents z_t kept per image (each the latent's size: 256 KB at SD 1024) */
const MAX_NOISED = 4;

export interface SdLatent {
  /** z0 = VAE mean × latentScale, [1, C, s, s] */
  readonly z0: Float32Array;
  readonly side: number;
  readonly placement: SquarePlacement;
}

export interface ClipSquare {
  /** [1, 3, S, S] CLIP-normalised, the image centred on a black square */
  readonly pixels: Float32Array;
  readonly placement: SquarePlacement;
}

/** L2-normalised region embeddings [N, E] for SAM's proposals. */
export interface RegionEmbeddings {
  readonly data: Float32Array;
  readonly dim: number;
}

/**
 * Everything computed from the image alone, kept in the LRU by sha256: decoded pixels, SD latents (per SD size),
 * SAM proposals, the unbiased CLIP square input, the unbiased soft (masked-attention) embeddings of SAM's proposals,
 * and the unbiased hard embeddings of SAM's proposals as they are asked for. Each part is computed once; concurrent
 * requests share the pending promise; a failed or aborted part is forgotten so the next request retries it.
 */
export class ImageState implements Sized {
  private readonly parts = new Map<string, Promise<unknown>>();
  private readonly sizes = new Map<string, number>();
  /**
   * hard-branch embeddings of SAM proposals, keyed `<bias>#<proposal index>` where <bias> is '' (unbiased) or the
   * positional-bias mode and cue set (the crop depends only on the image, the mask and P)
   */
  readonly hardEmbeddings = new Map<string, Float32Array>();
  /**
   * Per-sentence cache of aggregated attention maps (at the readout resolution, a few KB each), keyed by the SD
   * prompt, the token read and every setting the map depends on: the same sentence with the same settings skips the
   * SD text encoder and the UNet. Bounded per image; counted in the LRU's bytes.
   */
  readonly attentionMaps = new Map<string, AttentionMap>();
  /** COCO RLE of SAM proposals by index, as expressions choose them */
  private readonly rles = new Map<number, CocoRle>();
  /** positional biases P [H, W] by mode and cue list (few distinct ones per image; bounded, least recent out) */
  private readonly biases = new Map<string, Float32Array>();
  /** z_t = √ᾱ·z0 + √(1 − ᾱ)·ε by SD size, seed and noise timestep (bounded, least recent out); never written to */
  private readonly noised = new Map<string, Float32Array>();

  /**
   * @param buffers the engine's pool of input buffers: SD's and SAM's input tensors (and the padded squares) are lent
   *   from it and given back once the model call that reads them has settled
   */
  constructor(
    readonly sha256: string,
    readonly image: RgbImage,
    private readonly buffers?: InputBufferPool,
  ) {}

  get width(): number {
    return this.image.width;
  }
  get height(): number {
    return this.image.height;
  }

  byteSize(): number {
    let total = this.image.data.byteLength;
    for (const v of this.sizes.values()) total += v;
    for (const v of this.hardEmbeddings.values()) total += v.byteLength;
    for (const v of this.attentionMaps.values()) total += v.data.byteLength + 256;
    for (const v of this.biases.values()) total += v.byteLength;
    for (const v of this.noised.values()) total += v.byteLength;
    for (const v of this.rles.values()) total += 2 * v.counts.length + 64;
    return total;
  }

  rememberAttention(key: string, map: AttentionMap): void {
    this.attentionMaps.delete(key);
    this.attentionMaps.set(key, map);
    while (this.attentionMaps.size > MAX_ATTENTION_MAPS) {
      const oldest = this.attentionMaps.keys().next().value as string;
      this.attentionMaps.delete(oldest);
    }
  }

  /** The RLE of SAM proposal `index`, encoded by `encode` the first time. */
  proposalRle(index: number, encode: () => CocoRle): CocoRle {
    let r = this.rles.get(index);
    if (!r) this.rles.set(index, (r = encode()));
    return r;
  }

  /** P for `key` (mode and cue list), computed by `make` the first time. */
  positionalBias(key: string, make: () => Float32Array): Float32Array {
    let p = this.biases.get(key);
    if (p) this.biases.delete(key);
    else p = make();
    this.biases.set(key, p);
    while (this.biases.size > MAX_BIASES) this.biases.delete(this.biases.keys().next().value as string);
    return p;
  }

  /** z_t for `key` (SD size, seed, noise timestep), computed by `make` the first time. */
  noisedLatent(key: string, make: () => Float32Array): Float32Array {
    let z = this.noised.get(key);
    if (z) this.noised.delete(key);
    else z = make();
    this.noised.set(key, z);
    while (this.noised.size > MAX_NOISED) this.noised.delete(this.noised.keys().next().value as string);
    return z;
  }

  has(key: string): boolean {
    return this.sizes.has(key);
  }

  private memo<T>(key: string, size: (v: T) => number, compute: () => Promise<T>): Promise<T> {
    const existing = this.parts.get(key);
    if (existing) return existing as Promise<T>;
    const p = compute().then(
      (v) => {
        this.sizes.set(key, size(v));
        return v;
      },
      (err: unknown) => {
        this.parts.delete(key);
        throw err;
      },
    );
    this.parts.set(key, p);
    return p;
  }

  latent(models: RefDiffModels, ctx: CallContext, imageSize: number): Promise<SdLatent> {
    return this.memo(`latent:${imageSize}`, (v) => v.z0.byteLength, async () => {
      const sd = models.constants.sd;
      const input = await ctx.time('sdPreprocessMs', () => prepareSdInput(this.image, imageSize, { buffers: this.buffers }));
      let mean: Float32Array;
      try {
        mean = await ctx.time('vaeMs', () => ctx.model('vae', () => models.encodeVae(input.pixels, imageSize, { signal: ctx.signal })));
      } finally {
        input.release();
      }
      const side = imageSize / sd.vaeDownsample;
      if (mean.length !== sd.latentChannels * side * side) {
        throw new PipelineError(
          'PACK_MISMATCH',
          `VAE returned ${mean.length} values for a ${imageSize}² image; expected [1, ${sd.latentChannels}, ${side}, ${side}]`,
        );
      }
      const z0 = new Float32Array(mean.length);
      for (let i = 0; i < z0.length; i++) z0[i] = mean[i] * sd.latentScale;
      return { z0, side, placement: input.placement };
    });
  }

  /**
   * SAM's proposals: encoder, then the point grid through the decoder batch by batch, each batch handed to a
   * post-processing session (inline, or a worker thread that works on one batch while the next is decoded).
   */
  samProposals(models: RefDiffModels, ctx: CallContext, post: SamPostProcessor): Promise<SamProposals> {
    return this.memo(
      'sam',
      (v) => v.masks.reduce((a, m) => a + m.byteLength, 0) + v.runs.reduce((a, r) => a + r.byteLength, 0),
      async () => {
        const c = models.constants.sam;
        const input = await ctx.time('samPreprocessMs', () =>
          prepareSamInput(this.image, { inputSize: c.inputSize, mean: c.mean, std: c.std, buffers: this.buffers }),
        );
        let embedding: SamImageEmbedding;
        try {
          embedding = await ctx.time('samEncoderMs', () =>
            ctx.model('samEncoder', () => models.encodeSamImage(input.pixels, { signal: ctx.signal })),
          );
        } finally {
          input.release();
        }
        const geometry = samGeometry(this.width, this.height, c.inputSize, c.lowResSize);
        const grid = samPointGrid(geometry, c.pointsPerSide);
        const session = post.open(geometry, {
          predIouThresh: c.predIouThresh,
          stabilityScoreThresh: c.stabilityScoreThresh,
          stabilityScoreOffset: c.stabilityScoreOffset,
          maskThreshold: c.maskThreshold,
          boxNmsThresh: c.boxNmsThresh,
        });
        try {
          const total = grid.length / 2;
          const perBatch = Math.max(1, c.pointsPerBatch);
          for (let first = 0; first < total; first += perBatch) {
            const count = Math.min(perBatch, total - first);
            const points = grid.subarray(first * 2, (first + count) * 2);
            // the decoder writes into post-processing's own memory where the session lends it (no copy per candidate)
            const into = session.lendLowResLogits?.(count) ?? null;
            try {
              const decoded = await ctx.time('samDecoderMs', () =>
                ctx.model('samDecoder', () =>
                  models.decodeSamPoints(embedding, points, count, { signal: ctx.signal, ...(into ? { lowResLogitsInto: into } : {}) }),
                ),
              );
              await session.addBatch(decoded, first);
            } finally {
              if (into) session.giveBack?.(into);
            }
          }
          // samPostMs: the post-processing work itself (on whichever thread), not the wait for it
          const { proposals, workMs } = await session.finish();
          ctx.timings.samPostMs = (ctx.timings.samPostMs ?? 0) + workMs;
          return proposals;
        } finally {
          session.close();
        }
      },
    );
  }

  clipSquare(models: RefDiffModels, ctx: CallContext): Promise<ClipSquare> {
    return this.memo('clipSquare', (v) => v.pixels.byteLength, () =>
      ctx.time('clipPreprocessMs', () => clipSquareInput(this.image, models, this.buffers)),
    );
  }

  /** The unbiased image at full CLIP resolution (long side ≤ maxSide), CLIP-normalised. */
  clipFull(models: RefDiffModels, ctx: CallContext, maxSide: number): Promise<ClipFull> {
    return this.memo(`clipFull:${maxSide}`, (v) => v.pixels.byteLength, () =>
      ctx.time('clipPreprocessMs', () => clipFullInput(this.image, models, maxSide)),
    );
  }

  /**
   * Soft-branch embeddings of every SAM proposal on the unbiased image (one encodeClipRegions call), per
   * `variant` (the CLIP resolution and readout layer they were computed with).
   */
  samSoft(variant: string, encode: () => Promise<RegionEmbeddings>): Promise<RegionEmbeddings> {
    return this.memo(`samSoft:${variant}`, (v) => v.data.byteLength, encode);
  }
}

export interface ClipFull {
  /** [1, 3, H, W] CLIP-normalised: the image itself, scaled down only when its long side exceeds maxSide */
  readonly pixels: Float32Array;
  readonly width: number;
  readonly height: number;
}

/**
 * The image as the reference's soft branch sees it: its own size, no padding (the patch Conv drops the remainder of
 * ⌊H/patch⌋, ⌊W/patch⌋). A product cap (not in the reference, whose COCO images are ≤ 640 px): a long side over
 * maxSide is scaled down to it (bicubic), aspect kept.
 */
export async function clipFullInput(image: RgbImage, models: RefDiffModels, maxSide: number): Promise<ClipFull> {
  const c = models.constants.clip;
  let img = image;
  const long = Math.max(image.width, image.height);
  if (long > maxSide) {
    const k = maxSide / long;
    const w = Math.max(c.patchSize, Math.min(maxSide, Math.round(image.width * k)));
    const h = Math.max(c.patchSize, Math.min(maxSide, Math.round(image.height * k)));
    img = await resizeImage(image, w, h, 'cubic');
  } else if (Math.min(image.width, image.height) < c.patchSize) {
    // smaller than one patch: upscale the short side to one patch
    const k = c.patchSize / Math.min(image.width, image.height);
    img = await resizeImage(image, Math.max(c.patchSize, Math.round(image.width * k)), Math.max(c.patchSize, Math.round(image.height * k)), 'cubic');
  }
  return { pixels: toClipPixels(img, c.mean, c.std), width: img.width, height: img.height };
}

/**
 * The image centred on a black square, resized to the CLIP size (bicubic), CLIP-normalised: [1, 3, S, S]. With
 * `buffers` the square is lent from that pool for the resize (the pixels are kept by the caller, not lent).
 */
export async function clipSquareInput(image: RgbImage, models: RefDiffModels, buffers?: InputBufferPool): Promise<ClipSquare> {
  const c = models.constants.clip;
  const square = padToSquare(image, buffers);
  try {
    const resized = await resizeImage(square.image, c.imageSize, c.imageSize, 'cubic');
    return { pixels: toClipPixels(resized, c.mean, c.std), placement: square.placement };
  } finally {
    // after the normalisation: a square of the CLIP size is its own resize
    square.release();
  }
}
