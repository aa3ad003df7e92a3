import { PipelineError } from '../errors/pipeline.errors';

/**
 * The engine throws the one PipelineError class with the contract's codes (segment.types.ts). Errors from other
 * libraries (nlp, model packs) and detail codes of the typed-array functions are translated here, in one place.
 */
export function abortedError(signal: AbortSignal | undefined): PipelineError {
  const reason = signal?.reason;
  const why = reason instanceof Error ? reason.message : reason !== undefined ? String(reason) : 'aborted';
  return new PipelineError('ABORTED', `segmentation aborted: ${why}`, { cause: reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

const ENGINE_CODES = new Set([
  'INVALID_ARGUMENT',
  'INVALID_IMAGE',
  'UNSUPPORTED_IMAGE_FORMAT',
  'IMAGE_TOO_LARGE',
  'IMAGE_NOT_CACHED',
  'EXPRESSION_EMPTY',
  'EXPRESSION_TOO_LONG',
  'NO_PROPOSAL',
  'PACK_MISMATCH',
  'RESOURCE_EXHAUSTED',
  'ABORTED',
  'INTERNAL',
]);

/**
 * Maps any error to a PipelineError with an engine code. `stage` says where it happened so a user can act on it:
 * model outputs with the wrong shape mean the pack does not match what the pipeline expects.
 */
export function toEngineError(err: unknown, stage: 'image' | 'model-output' | 'options' | 'internal'): PipelineError {
  if (err instanceof PipelineError) {
    if (ENGINE_CODES.has(err.code)) return err;
    if (stage === 'image' || err.code === 'EMPTY_IMAGE') return new PipelineError('INVALID_IMAGE', err.message, { cause: err });
    if (stage === 'model-output') {
      return new PipelineError('PACK_MISMATCH', `model output does not fit the pipeline: ${err.message}`, { cause: err });
    }
    if (stage === 'options') return new PipelineError('INVALID_ARGUMENT', err.message, { cause: err });
    return new PipelineError('INTERNAL', err.message, { cause: err });
  }
  if (err instanceof Error && err.name === 'AbortError') return new PipelineError('ABORTED', `segmentation aborted: ${err.message}`, { cause: err });
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  // errors from @refdiff/nlp and model packs carry string codes of their own
  if (typeof code === 'string') {
    if (code === 'EXPRESSION_TOO_LONG' || code === 'EXPRESSION_EMPTY' || code === 'INVALID_ARGUMENT') {
      return new PipelineError(code, message, { cause: err });
    }
    if (code === 'ABORTED') return new PipelineError('ABORTED', message, { cause: err });
    // the model pack's memory preflight: the request's size does not fit this machine
    if (code === 'RESOURCE_EXHAUSTED') return new PipelineError('RESOURCE_EXHAUSTED', message, { cause: err });
    if (/SHAPE|DTYPE|FEED|MISMATCH|TOKENIZER/.test(code)) return new PipelineError('PACK_MISMATCH', message, { cause: err });
  }
  return new PipelineError('INTERNAL', message, { cause: err });
}
