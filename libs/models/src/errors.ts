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
  | 'BAD_ARGUMENT';

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
