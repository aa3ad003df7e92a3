/**
 * CLIP BPE tokenisation from a Hugging Face `tokenizer.json` (through @huggingface/tokenizers, which returns no
 * character offsets) and a word→token alignment computed here.
 *
 * Alignment: CLIP's pre-tokeniser splits on a regex whose pieces never contain white space, so encoding the text
 * word by word gives the same ids as encoding it whole. Every encode checks that identity and throws
 * TokenizerMismatchError if a tokenizer breaks it, so a returned index always points at the word's own pieces
 * (never a substring match: "man" in "woman" is a different word).
 *
 * Over-long text: the 77-position sequence is `start, first 75 pieces, end` (Hugging Face `truncation=True`), and
 * a word whose last piece falls beyond position 75 has no position: alignWord() throws ExpressionTooLongError.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { trimWhitespace, WHITESPACE } from '../analyze/words';
import {
  ExpressionTooLongError,
  InvalidArgumentError,
  TokenizerMismatchError,
  preview,
} from '../errors/nlp.errors';

/** Builds the prompt from the (trimmed) expression; it must contain the expression verbatim. */
export type PromptTemplate = (text: string) => string;

/** The reference code prompts Stable Diffusion with `text + ", "`. */
export const SD_REFERENCE_TEMPLATE: PromptTemplate = (text) => `${text}, `;
export const IDENTITY_TEMPLATE: PromptTemplate = (text) => text;

export const CLIP_CONTEXT_LENGTH = 77;
const START_TOKEN = '<|startoftext|>';
const END_TOKEN = '<|endoftext|>';

export interface ClipEncodeOptions {
  template?: PromptTemplate;
}

export interface ClipEncoding {
  /** [contextLength] start, pieces, end, then padding with the end id (Hugging Face style) */
  ids: Int32Array;
  /** the prompt that was encoded */
  prompt: string;
  /** positions used before padding: start + pieces + end (≤ contextLength) */
  length: number;
  /** pieces were dropped to fit the context */
  truncated: boolean;
  /**
   * For each whitespace word of the trimmed expression: positions (start token at 0) of its first and last pieces
   * in `ids`, or -1 for both when truncation dropped its last piece.
   */
  words: { first: number; last: number }[];
}

interface TokenizerJsonShape {
  added_tokens?: { id: number; content: string }[];
  model?: { vocab?: Record<string, number> };
}

const WORD_RE = new RegExp(`[^${WHITESPACE}]+`, 'gu');
const splitOnWhitespace = (s: string): string[] => s.match(WORD_RE) ?? [];

export class ClipTokenizer {
  readonly startId: number;
  readonly endId: number;
  readonly padId: number;
  readonly contextLength: number;
  private readonly tokenizer: Tokenizer;

  private constructor(tokenizer: Tokenizer, startId: number, endId: number, contextLength: number) {
    this.tokenizer = tokenizer;
    this.startId = startId;
    this.endId = endId;
    this.padId = endId;
    this.contextLength = contextLength;
  }

  /**
   * Loads a CLIP tokenizer from the text (or parsed object) of a Hugging Face `tokenizer.json`.
   * @throws InvalidArgumentError if the JSON is malformed or lacks `<|startoftext|>` / `<|endoftext|>`
   */
  static fromJson(json: string | object, options: { contextLength?: number } = {}): ClipTokenizer {
    let parsed: TokenizerJsonShape;
    try {
      parsed = (typeof json === 'string' ? JSON.parse(json) : json) as TokenizerJsonShape;
    } catch (err) {
      throw new InvalidArgumentError(`tokenizer.json is not valid JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || typeof parsed.model !== 'object') {
      throw new InvalidArgumentError('tokenizer.json has no "model" section');
    }
    const contextLength = options.contextLength ?? CLIP_CONTEXT_LENGTH;
    if (!Number.isInteger(contextLength) || contextLength < 3) {
      throw new InvalidArgumentError(`contextLength must be an integer ≥ 3, got ${contextLength}`);
    }
    const idOf = (content: string): number => {
      const added = parsed.added_tokens?.find((t) => t.content === content);
      const id = added?.id ?? parsed.model?.vocab?.[content];
      if (typeof id !== 'number') throw new InvalidArgumentError(`tokenizer.json has no ${content} token`);
      return id;
    };
    const startId = idOf(START_TOKEN);
    const endId = idOf(END_TOKEN);
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(parsed, {});
    } catch (err) {
      throw new InvalidArgumentError(`tokenizer.json could not be loaded: ${(err as Error).message}`);
    }
    return new ClipTokenizer(tokenizer, startId, endId, contextLength);
  }

  /** BPE ids of a piece of text, without start/end tokens. */
  pieces(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Token strings of a piece of text (for inspection and tests). */
  tokens(text: string): string[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).tokens;
  }

  /** Encodes `template(trimmed text)` into the context with per-word positions. */
  encode(text: string, options: ClipEncodeOptions = {}): ClipEncoding {
    const template = options.template ?? IDENTITY_TEMPLATE;
    const trimmed = trimWhitespace(text);
    const prompt = template(trimmed);
    const at = trimmed === '' ? 0 : prompt.indexOf(trimmed);
    if (at < 0) throw new InvalidArgumentError(`the prompt template dropped the expression: ${preview(prompt)}`);

    const all: number[] = [];
    const encodeWords = (segment: string, ranges: { first: number; last: number }[] | null): void => {
      for (const word of splitOnWhitespace(segment)) {
        const ids = this.pieces(word);
        if (ids.length === 0) throw new TokenizerMismatchError(`the word ${preview(word)} encodes to no tokens`);
        ranges?.push({ first: all.length + 1, last: all.length + ids.length });
        for (const id of ids) all.push(id);
      }
    };
    const ranges: { first: number; last: number }[] = [];
    encodeWords(prompt.slice(0, at), null);
    encodeWords(trimmed, ranges);
    encodeWords(prompt.slice(at + trimmed.length), null);

    const whole = this.pieces(prompt);
    if (whole.length !== all.length || whole.some((id, i) => id !== all[i])) {
      throw new TokenizerMismatchError(
        `encoding ${preview(prompt)} word by word differs from encoding it whole: not a CLIP-style tokenizer`,
      );
    }

    const room = this.contextLength - 2;
    const kept = Math.min(all.length, room);
    const ids = new Int32Array(this.contextLength).fill(this.padId);
    ids[0] = this.startId;
    for (let i = 0; i < kept; i++) ids[i + 1] = all[i];
    ids[kept + 1] = this.endId;
    const words = ranges.map((r) => (r.last <= room ? r : { first: -1, last: -1 }));
    return { ids, prompt, length: kept + 2, truncated: all.length > room, words };
  }
}

/**
 * Position in the context (start token at 0) of the LAST BPE piece of whitespace word `wordIndex` of the trimmed
 * text, as prompted by `template` (the reference code uses SD_REFERENCE_TEMPLATE).
 * @throws InvalidArgumentError when wordIndex is not a word of the text
 * @throws ExpressionTooLongError when that piece lies beyond the context (truncated)
 */
export function alignWord(
  tokenizer: ClipTokenizer,
  text: string,
  wordIndex: number,
  options: ClipEncodeOptions = {},
): number {
  const encoding = tokenizer.encode(text, options);
  if (!Number.isInteger(wordIndex) || wordIndex < 0 || wordIndex >= encoding.words.length) {
    throw new InvalidArgumentError(
      `word index ${wordIndex} is outside the ${encoding.words.length} words of ${preview(text)}`,
    );
  }
  const position = encoding.words[wordIndex].last;
  if (position < 0) {
    throw new ExpressionTooLongError(
      `word ${wordIndex} of ${preview(text)} falls beyond CLIP's context: token positions`,
      countPositions(tokenizer, text, wordIndex, options),
      tokenizer.contextLength - 2,
    );
  }
  return position;
}

function countPositions(tokenizer: ClipTokenizer, text: string, wordIndex: number, options: ClipEncodeOptions): number {
  const prompt = (options.template ?? IDENTITY_TEMPLATE)(trimWhitespace(text));
  const words = splitOnWhitespace(trimWhitespace(text));
  const at = prompt.indexOf(trimWhitespace(text));
  let n = tokenizer.pieces(prompt.slice(0, at)).length;
  for (let i = 0; i <= wordIndex; i++) n += tokenizer.pieces(words[i]).length;
  return n;
}

/** `template(text)` as CLIP input ids: Int32Array(contextLength), start, pieces, end, end-padding; truncates. */
export function encodeForClip(tokenizer: ClipTokenizer, text: string, options: ClipEncodeOptions = {}): Int32Array {
  return tokenizer.encode(text, options).ids;
}
