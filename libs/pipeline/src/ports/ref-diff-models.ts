/**
 * The port through which the pipeline calls models. `libs/models` implements it on onnxruntime-node
 * from a model pack; the pipeline never sees ONNX, files or execution providers.
 *
 * Layouts: every array is row-major, dims given beside it. Batch sizes are what the caller passes;
 * an implementation may split a batch into several model calls when its graph has a fixed batch size.
 */

/** Constants a pack carries that the pipeline needs for pre- and post-processing. */
export interface ModelPackConstants {
  readonly packName: string;
  /** sha256 over the manifest; identifies the pack in results and caches. */
  readonly packChecksum: string;
  readonly tokenizer: {
    /** The tokenizer.json text (Hugging Face format) shared by SD's and CLIP's text encoders. */
    readonly json: string;
    readonly contextLength: number; // 77
    readonly startId: number;
    readonly endId: number;
    readonly padId: number;
  };
  readonly sd: {
    /** Side of the square the image is padded and resized to before the VAE (1024 faithful, 512 practical). */
    readonly imageSize: number;
    /** Latent side = imageSize / vaeDownsample. */
    readonly vaeDownsample: number; // 8
    readonly latentChannels: number; // 4
    readonly latentScale: number; // 0.18215
    /** DDPM betas as SD 1.5: linspace(sqrt(b0), sqrt(b1), n)^2 */
    readonly betaStart: number;
    readonly betaEnd: number;
    readonly trainTimesteps: number; // 1000
    readonly textHiddenSize: number; // 768
    /** Cross-attention readouts available, one per layer (see UnetAttentionReadout). */
    readonly attentionLayers: readonly UnetAttentionLayerInfo[];
  };
  readonly clip: {
    readonly imageSize: number; // 224
    readonly patchSize: number; // 16
    readonly mean: readonly [number, number, number];
    readonly std: readonly [number, number, number];
    readonly embedDim: number; // 512
    /**
     * Whether both vision encoders accept any [H, W] (position embedding interpolated bicubically as the reference
     * does); false → only imageSize².
     */
    readonly dynamicImageSize: boolean;
    /**
     * Encoder layers whose region tokens the masked encoder can read out (1…layers; ViT-B/16: 12). Absent → only the
     * final output (as layer 1 = −1).
     */
    readonly layers?: number;
  };
  readonly sam: {
    readonly inputSize: number; // 1024 (longest side)
    readonly lowResSize: number; // 256
    readonly mean: readonly [number, number, number]; // on 0..255
    readonly std: readonly [number, number, number];
    /** Automatic-mask-generation thresholds belong to the pack: smaller SAMs pass SAM's defaults less often. */
    readonly predIouThresh: number;
    readonly stabilityScoreThresh: number;
    readonly stabilityScoreOffset: number;
    readonly boxNmsThresh: number;
    readonly maskThreshold: number;
    readonly pointsPerSide: number;
    readonly pointsPerBatch: number;
  };
}

export interface UnetAttentionLayerInfo {
  /** e.g. "down_blocks.2.attentions.0" */
  readonly name: string;
  /** Latent downsampling of the layer relative to the latent: 1, 2, 4 or 8. */
  readonly level: 1 | 2 | 4 | 8;
  readonly heads: number;
  readonly kinds: readonly ('logits' | 'probs')[];
}

/** One cross-attention readout of one UNet call, as the graph produced it. */
export interface UnetAttentionReadout {
  readonly layer: string;
  readonly level: 1 | 2 | 4 | 8;
  readonly kind: 'logits' | 'probs';
  /**
   * `bh-hw-t`: dims [B·heads, HW, T] (diffusers' classic processor, batch-major then head);
   * `b-h-hw-t`: dims [B, heads, HW, T] (SDPA-style export);
   * `b-hw-t`: dims [B, HW, T], already head-averaged (custom export).
   */
  readonly layout: 'bh-hw-t' | 'b-h-hw-t' | 'b-hw-t';
  readonly heads: number;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface UnetCall {
  /** [B, C, h, w] */
  readonly sample: Float32Array;
  readonly batch: number;
  readonly timestep: number;
  /** [B, 77, D] */
  readonly encoderHiddenStates: Float32Array;
  /** Which readouts to return (layer names and kinds); none → only the noise prediction. */
  readonly attention?: { readonly layers: readonly string[]; readonly kind: 'logits' | 'probs' };
}

export interface UnetResult {
  /** [B, C, h, w] predicted noise */
  readonly noise: Float32Array;
  readonly attention: readonly UnetAttentionReadout[];
}

export interface SamDecodeResult {
  /** [P, 3] predicted IoU per point and mask */
  readonly iouScores: Float32Array;
  /** [P, 3, lowRes, lowRes] mask logits */
  readonly lowResLogits: Float32Array;
  readonly points: number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface SamDecodeOptions extends CallOptions {
  /**
   * [P, 3, lowRes, lowRes]: where it can, the implementation writes the mask logits here and returns this array as
   * `lowResLogits` (the device's copy to the host lands where post-processing reads it: SamPostSession's
   * lendLowResLogits); it may also ignore it and return its own array. Written during the call only.
   */
  readonly lowResLogitsInto?: Float32Array;
}

/** A CLIP input size: S for an S×S square, or width × height. */
export type ClipImageSize = number | { readonly width: number; readonly height: number };

export interface ClipRegionOptions extends CallOptions {
  /** input width and height in pixels (default: clip.imageSize) */
  readonly width?: number;
  readonly height?: number;
  /** encoder layer whose region token is read: 1-based, or negative from the end (default −1, the last) */
  readonly layer?: number;
}

/** Opaque per-image SAM embedding; only the same implementation reads it back. */
export interface SamImageEmbedding {
  readonly byteSize: number;
}

/**
 * The models the engine calls. Input arrays are lent for the call only: the engine reuses the buffers of
 * `encodeVae` and `encodeSamImage` inputs for the next image once the returned promise has settled, so an
 * implementation must not read or keep them after that (copy what an output needs, e.g. a SAM embedding), and never
 * writes into them.
 */
export interface RefDiffModels {
  readonly constants: ModelPackConstants;

  /** SD text encoder. ids: [B, 77] → last_hidden_state [B, 77, D] */
  encodeSdText(ids: Int32Array, batch: number, options?: CallOptions): Promise<Float32Array>;
  /** VAE encoder. pixels: [1, 3, S, S] in [-1, 1] (lent for the call) → latent mean [1, C, S/8, S/8], unscaled. */
  encodeVae(pixels: Float32Array, size: number, options?: CallOptions): Promise<Float32Array>;
  unet(call: UnetCall, options?: CallOptions): Promise<UnetResult>;

  /** CLIP text. ids: [B, 77] → text_embeds [B, E] (not normalised). */
  encodeClipText(ids: Int32Array, batch: number, options?: CallOptions): Promise<Float32Array>;
  /**
   * CLIP vision ("hard" branch). pixels: [B, 3, H, W] CLIP-normalised → image_embeds [B, E]. `size` is S (a square)
   * or { width, height }; anything but imageSize² needs clip.dynamicImageSize (the position embedding is
   * interpolated bicubically to the ⌊H/patch⌋ × ⌊W/patch⌋ grid, as the reference does).
   */
  encodeClipImage(pixels: Float32Array, batch: number, size: ClipImageSize, options?: CallOptions): Promise<Float32Array>;
  /**
   * CLIP vision with self-attention restricted per region ("soft" branch, f_Mi).
   * pixels: [1, 3, H, W] CLIP-normalised (default H = W = clip.imageSize; other sizes need clip.dynamicImageSize);
   * regionMasks: [N, P] with P = ⌊H/patch⌋·⌊W/patch⌋ patch flags (1 = inside), row-major over the patch grid.
   * → region_embeds [N, E] (not normalised): the region token after encoder layer `options.layer` (default −1,
   * the last) through the final layernorm and projection.
   */
  encodeClipRegions(
    pixels: Float32Array,
    regionMasks: Uint8Array,
    regions: number,
    options?: ClipRegionOptions,
  ): Promise<Float32Array>;

  /** SAM image encoder. pixels: [1, 3, inputSize, inputSize] SAM-normalised and padded (lent for the call). */
  encodeSamImage(pixels: Float32Array, options?: CallOptions): Promise<SamImageEmbedding>;
  /** SAM decoder, multimask. points: [P, 2] (x, y) in the inputSize frame. */
  decodeSamPoints(
    embedding: SamImageEmbedding,
    points: Float32Array,
    count: number,
    options?: SamDecodeOptions,
  ): Promise<SamDecodeResult>;

  /**
   * Optional memory preflight: throws (code RESOURCE_EXHAUSTED, with the figures in the message) when the VAE
   * or one UNet item at this SD image size would not fit the implementation's memory limit. Called before any
   * model runs for a request, so a request that cannot fit fails at once instead of after SAM.
   */
  checkMemory?(request: { readonly sdImageSize: number }): void;

  /** Model calls made so far, per model role: how tests prove the image-side cache works. */
  callCounts(): Readonly<Record<string, number>>;
  dispose(): Promise<void>;
}
