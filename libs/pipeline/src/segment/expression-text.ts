import { alignWord, analyze, ClipTokenizer, encodeForClip, SD_REFERENCE_TEMPLATE } from '@refdiff/nlp';
import type { ModelPackConstants } from '../ports/ref-diff-models';
import { PipelineError } from '../errors/pipeline.errors';
import { toEngineError } from './segment.errors';
import type { DirectionCue } from './segment.types';

/** What the method needs from one expression, computed once per request. */
export interface ExpressionText {
  /** the trimmed expression */
  readonly text: string;
  /** the referent's head word (the token whose cross-attention is read) */
  readonly root: { index: number; word: string };
  readonly directions: { cue: DirectionCue; index: number }[];
  /** SD prompt `text + ", "` as 77 ids */
  readonly sdIds: Int32Array;
  /** position of the root word's last BPE piece in sdIds (start token at 0) */
  readonly rootToken: number;
  /** CLIP text input of the sentence, and of the root word alone */
  readonly clipIds: Int32Array;
  readonly rootIds: Int32Array;
}

/**
 * Longest expression, in characters (Unicode code points of the trimmed text, not UTF-16 units), at every entry.
 * The token limit (the text encoder's context, 75 tokens for CLIP) usually bites first; it needs the pack's tokenizer.
 */
export const MAX_EXPRESSION_CHARS = 500;

/** Why one expression cannot be segmented: the code the worker would report for it, and a message. */
export interface ExpressionIssue {
  readonly code: 'EXPRESSION_EMPTY' | 'EXPRESSION_TOO_LONG' | 'INVALID_ARGUMENT';
  readonly message: string;
}

/**
 * The one expression check of every entry. With `text` (the pack's tokenizer, TextFrontEnd) it is exactly the
 * worker's analysis; without, everything but the token limit: empty or no word the analyser can use (emoji or
 * punctuation only), longer than MAX_EXPRESSION_CHARS code points.
 */
export function checkExpression(raw: unknown, text?: TextFrontEnd | null): ExpressionIssue | null {
  try {
    if (text) text.analyse(raw as string);
    else if (typeof raw !== 'string') throw new PipelineError('INVALID_ARGUMENT', `an expression must be a string, got ${typeof raw}`);
    else analyze(raw, { maxLength: MAX_EXPRESSION_CHARS });
    return null;
  } catch (err) {
    const e = toEngineError(err, 'internal');
    if (e.code === 'EXPRESSION_EMPTY' || e.code === 'EXPRESSION_TOO_LONG' || e.code === 'INVALID_ARGUMENT') return { code: e.code, message: e.message };
    throw e;
  }
}

/** @refdiff/nlp bound to a pack's tokenizer.json. */
export class TextFrontEnd {
  private readonly tokenizer: ClipTokenizer;
  private readonly maxLength: number;

  constructor(tokenizer: Omit<ModelPackConstants['tokenizer'], 'padId'>, options: { maxLength?: number } = {}) {
    try {
      this.tokenizer = ClipTokenizer.fromJson(tokenizer.json, { contextLength: tokenizer.contextLength });
    } catch (err) {
      throw new PipelineError('PACK_MISMATCH', `the pack's tokenizer.json cannot be used: ${(err as Error).message}`, { cause: err });
    }
    if (this.tokenizer.startId !== tokenizer.startId || this.tokenizer.endId !== tokenizer.endId) {
      throw new PipelineError(
        'PACK_MISMATCH',
        `tokenizer.json start/end ids ${this.tokenizer.startId}/${this.tokenizer.endId} differ from the manifest's ${tokenizer.startId}/${tokenizer.endId}`,
      );
    }
    this.maxLength = options.maxLength ?? MAX_EXPRESSION_CHARS;
  }

  /** Positions of the text encoder (77 for CLIP: 75 tokens between the start and end tokens). */
  get contextLength(): number {
    return this.tokenizer.contextLength;
  }

  /** The unconditional prompt "" (CFG's first half). */
  emptyIds(): Int32Array {
    return encodeForClip(this.tokenizer, '');
  }

  /** @throws PipelineError EXPRESSION_EMPTY / EXPRESSION_TOO_LONG / INVALID_ARGUMENT */
  analyse(raw: string): ExpressionText {
    if (typeof raw !== 'string') throw new PipelineError('INVALID_ARGUMENT', `an expression must be a string, got ${typeof raw}`);
    if (raw.trim().length === 0) throw new PipelineError('EXPRESSION_EMPTY', 'expression is empty');
    try {
      const a = analyze(raw, { maxLength: this.maxLength });
      const root = a.referent;
      const rootToken = alignWord(this.tokenizer, a.text, root.index, { template: SD_REFERENCE_TEMPLATE });
      const sd = this.tokenizer.encode(a.text, { template: SD_REFERENCE_TEMPLATE });
      if (sd.truncated) {
        throw new PipelineError(
          'EXPRESSION_TOO_LONG',
          `expression needs ${sd.length - 2}+ tokens; the text encoder's context holds ${this.tokenizer.contextLength - 2}`,
        );
      }
      const rootWord = root.word || a.words[root.index].text;
      return {
        text: a.text,
        root: { index: root.index, word: root.word },
        directions: a.directions.map((d) => ({ cue: d.cue, index: d.index })),
        sdIds: sd.ids,
        rootToken,
        clipIds: encodeForClip(this.tokenizer, a.text),
        rootIds: encodeForClip(this.tokenizer, rootWord),
      };
    } catch (err) {
      throw toEngineError(err, 'internal');
    }
  }
}
