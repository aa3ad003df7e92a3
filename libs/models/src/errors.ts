/**
 * Typed errors of @refdiff/models. Every error carries a code a caller can switch on and a message that names
 * the file, field or tensor involved and says what to do.
 */
export type ModelPackErrorCode =
  | 'MANIFEST_MISSING'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_VERSION_UNSUPPORTED'
  | 'FILE_MISSING'
  | 'CHECKSUM_MISMATCH'
  | 'CONTRACT_MISMATCH'
  | 'EXPORT_NOT_FOUND'
  | 'EXPORT_UNSUPPORTED'
  | 'FUSED_ATTENTION'
  | 'GRAPH_INVALID'
  | 'OUTPUT_EXISTS';

export class ModelPackError extends Error {
  override readonly name = 'ModelPackError';
  constructor(
    readonly code: ModelPackErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ModelRuntimeErrorCode =
  | 'PROVIDER_UNAVAILABLE'
  | 'MODEL_LOAD_FAILED'
  | 'FEED_MISSING'
  | 'FEED_UNKNOWN'
  | 'FEED_MISMATCH'
  | 'OUTPUT_MISMATCH'
  | 'RUN_FAILED'
  | 'DISPOSED'
  | 'ABORTED'
  | 'BAD_ARGUMENT'
  | 'RESOURCE_EXHAUSTED';

export class ModelRuntimeError extends Error {
  override readonly name = 'ModelRuntimeError';
  constructor(
    readonly code: ModelRuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type HubErrorCode =
  /** 401: no token, or the token was refused; the hub also answers 401 for private and missing repositories */
  | 'HUB_UNAUTHORIZED'
  /** 403: the token has no access (a gated repository whose terms were not accepted, or a token without read scope) */
  | 'HUB_FORBIDDEN'
  | 'HUB_REPO_NOT_FOUND'
  | 'HUB_REVISION_NOT_FOUND'
  | 'HUB_FILE_NOT_FOUND'
  | 'HUB_CHECKSUM_MISMATCH'
  | 'HUB_DISK_FULL'
  /** the connection failed or was cut; partial downloads are kept and resumed by the next run */
  | 'HUB_NETWORK'
  /** stopped by the user (Ctrl-C); partial downloads are kept and resumed by the next run */
  | 'HUB_INTERRUPTED'
  /** another live process is downloading the same file into the same cache */
  | 'HUB_LOCKED'
  /** the server answered something a Hugging Face hub does not (missing headers, wrong sizes) */
  | 'HUB_PROTOCOL'
  /** offline (no network or HF_HUB_OFFLINE) and the cache does not hold the files */
  | 'HUB_NOT_CACHED';

/** Errors of `refdiff models pull` (the Hugging Face hub client and its cache). */
export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A model call refused before it runs because its largest attention tensors would not fit the memory limit
 * (unfused attention materialises heads × (HW)² scores; onnxruntime would be killed by the kernel instead).
 */
export class ModelMemoryError extends ModelRuntimeError {
  constructor(
    readonly figures: {
      readonly model: string;
      /** the model's input side the call asked for (pixels for the VAE, latent side for the UNet) */
      readonly side: number;
      readonly batch: number;
      /** bytes of the largest attention tensor, and bytes needed (the copies alive at once) */
      readonly attentionBytes: number;
      readonly neededBytes: number;
      readonly limitBytes: number;
      /** where the limit came from */
      readonly limitSource: string;
    },
    message: string,
  ) {
    super('RESOURCE_EXHAUSTED', message);
  }
}
