import type { PipelineErrorCode as EngineErrorCode } from '../segment/segment.types';

/**
 * Error codes of the one pipeline error class: the engine contract's codes (segment.types.ts) plus the detail codes
 * the typed-array functions throw; callers map them in one place (all detail codes are bad input).
 */
export type PipelineErrorCode =
  | EngineErrorCode
  | 'INVALID_SHAPE' // a length or dims do not match the layout
  | 'INVALID_VALUE' // NaN/Infinity in a map, a parameter out of range
  | 'EMPTY_MASK' // an operation that needs at least one pixel got none
  | 'EMPTY_IMAGE'; // zero width or height

/** The one error class of @refdiff/pipeline; `code` is stable, `message` names the offending value. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  constructor(
    readonly code: PipelineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function assertPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new PipelineError(
      value === 0 ? 'EMPTY_IMAGE' : 'INVALID_VALUE',
      `${name} must be a positive integer, got ${value}`,
    );
  }
}

export function assertImageSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new PipelineError('EMPTY_IMAGE', `image size must be positive integers, got ${width}×${height}`);
  }
}

export function assertLength(name: string, actual: number, expected: number, layout: string): void {
  if (actual !== expected) {
    throw new PipelineError(
      'INVALID_SHAPE',
      `${name} has length ${actual}, expected ${expected} for layout ${layout}`,
    );
  }
}

/** Throws INVALID_VALUE naming the first non-finite element. One pass; call once at a boundary. */
export function assertFinite(name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      throw new PipelineError('INVALID_VALUE', `${name}[${i}] is ${v}; every value must be finite`);
    }
  }
}

export function assertRange(name: string, value: number, min: number, max: number): void {
  if (!(value >= min && value <= max)) {
    throw new PipelineError('INVALID_VALUE', `${name} must be in [${min}, ${max}], got ${value}`);
  }
}
