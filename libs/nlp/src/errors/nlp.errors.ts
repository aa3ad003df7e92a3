/**
 * Typed errors of @refdiff/nlp. `code` uses the pipeline's error codes where one applies, so callers map them in
 * one place.
 */
export type NlpErrorCode = 'EXPRESSION_EMPTY' | 'EXPRESSION_TOO_LONG' | 'INVALID_ARGUMENT' | 'TOKENIZER_MISMATCH';

export class NlpError extends Error {
  readonly code: NlpErrorCode;
  constructor(code: NlpErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The expression has no word to analyse: empty, white space, or only punctuation and control characters. */
export class EmptyExpressionError extends NlpError {
  constructor(text: string) {
    super('EXPRESSION_EMPTY', `expression has no words (letters or digits) to analyse: ${preview(text)}`);
  }
}

/** The expression exceeds a limit: characters for analyze(), CLIP context positions for the alignment. */
export class ExpressionTooLongError extends NlpError {
  readonly limit: number;
  readonly actual: number;
  constructor(what: string, actual: number, limit: number) {
    super('EXPRESSION_TOO_LONG', `${what}: ${actual} exceeds the limit of ${limit}`);
    this.limit = limit;
    this.actual = actual;
  }
}

/** An argument outside its domain (a word index out of range, a template that drops the text). */
export class InvalidArgumentError extends NlpError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** The tokenizer does not tokenise word by word as CLIP's does, so word↔token alignment cannot be trusted. */
export class TokenizerMismatchError extends NlpError {
  constructor(message: string) {
    super('TOKENIZER_MISMATCH', message);
  }
}

/** A JSON-safe, bounded rendering of user text for messages. */
export function preview(text: string, max = 60): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(shown);
}
