/**
 * CLIP BPE tokenisation from a Hugging Face `tokenizer.json` (through @huggingface/tokenizers, which returns no
 * character offsets) and a word→token alignment computed here.
 *
 * Alignment: CLIP's pre-tokeniser splits on a regex whose pieces never contain white space, so encoding the prompt
 * chunk by chunk (white-space separated) gives the same ids as encoding it whole, and a word's core (letters and
 * digits without surrounding punctuation) starts and ends on token boundaries inside its chunk. Every encode checks
 * the first and throws TokenizerMismatchError if a tokenizer breaks it, so a returned index always points at the
 * word's own pieces (never a substring match: "man" in "woman" is a different word).
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
  /** BPE pieces of the whole prompt before truncation (without start and end tokens) */
  pieceCount: number;
  /**
   * For each whitespace word of the trimmed expression: positions (start token at 0) of the first and last pieces
   * of its core — its letters, marks and digits without surrounding punctuation, as a parser's token ("cow" in
   * "COW,") — or of the whole word if it is all punctuation; -1 for both when truncation dropped its last piece.
   */
  words: { first: number; last: number }[];
}

interface TokenizerJsonShape {
  added_tokens?: { id: number; content: string }[];
  model?: { vocab?: Record<string, number> };
}

const WORD_RE = new RegExp(`[^${WHITESPACE}]+`, 'gu');

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

    // White-space chunks of the prompt tokenise independently (the pre-tokeniser never crosses white space).
    const chunks: { start: number; end: number; offset: number; ids: number[] }[] = [];
    const all: number[] = [];
    for (const m of prompt.matchAll(WORD_RE)) {
      const ids = this.pieces(m[0]);
      chunks.push({ start: m.index, end: m.index + m[0].length, offset: all.length, ids });
      for (const id of ids) all.push(id);
    }
    const whole = this.pieces(prompt);
    if (whole.length !== all.length || whole.some((id, i) => id !== all[i])) {
      throw new TokenizerMismatchError(
        `encoding ${preview(prompt)} word by word differs from encoding it whole: not a CLIP-style tokenizer`,
      );
    }

    const room = this.contextLength - 2;
    const words: { first: number; last: number }[] = [];
    let c = 0;
    for (const m of trimmed.matchAll(WORD_RE)) {
      const start = at + m.index;
      const end = start + m[0].length;
      while (c < chunks.length && chunks[c].end < end) c++;
      const chunk = chunks[c];
      // the word's core: its letters, marks and digits without surrounding punctuation (a parser's token)
      const lead = m[0].length - m[0].replace(CORE_LEAD, '').length;
      const trail = m[0].length - m[0].replace(CORE_TRAIL, '').length;
      const core = lead + trail < m[0].length ? [start + lead, end - trail] : [start, end];
      const local = prompt.slice(chunk.start, chunk.end);
      const firstCount = Math.min(this.prefixCount(local, core[0] - chunk.start, chunk.ids), chunk.ids.length - 1);
      const lastCount = this.prefixCount(local, core[1] - chunk.start, chunk.ids);
      const first = 1 + chunk.offset + firstCount;
      const last = chunk.offset + lastCount;
      words.push(last <= room && lastCount > firstCount ? { first, last } : { first: -1, last: -1 });
    }

    const kept = Math.min(all.length, room);
    const ids = new Int32Array(this.contextLength).fill(this.padId);
    ids[0] = this.startId;
    for (let i = 0; i < kept; i++) ids[i + 1] = all[i];
    ids[kept + 1] = this.endId;
    return { ids, prompt, length: kept + 2, truncated: all.length > room, pieceCount: all.length, words };
  }

  /**
   * Number of pieces of `chunk` up to character k. A word's core normally ends on a token boundary; where BPE or
   * normalisation moves one (a punctuation-only word glued to the template's ", " — "..," is ".", ".", ",</w>" while
   * ".." alone is "..</w>" —, or "İ" lower-cased to "i" + a combining dot that joins the next punctuation run), it
   * counts up to the piece holding the character at k − 1.
   */
  private prefixCount(chunk: string, k: number, chunkIds: readonly number[]): number {
    if (k <= 0) return 0;
    if (k >= chunk.length) return chunkIds.length;
    const head = this.pieces(chunk.slice(0, k));
    let common = 0;
    while (common < head.length && common < chunkIds.length && head[common] === chunkIds[common]) common++;
    if (common === head.length) return common;
    return this.piecesThroughByte(chunk, k, chunkIds.length) ?? Math.min(common + 1, chunkIds.length);
  }

  /**
   * Pieces of `chunk` up to and including the one holding the last byte of its first k characters, by byte counts:
   * CLIP's byte-level pieces spell the normalised (NFC, lower-cased) UTF-8 bytes one symbol per byte, plus the
   * `</w>` suffix. Null when the pieces do not spell the chunk that way (another normaliser or alphabet).
   */
  private piecesThroughByte(chunk: string, k: number, count: number): number | null {
    const tokens = this.tokens(chunk);
    if (tokens.length !== count) return null;
    const bytes = (text: string) => UTF8.encode(text.normalize('NFC').toLowerCase()).length;
    const lengths = tokens.map((t) => [...t.replace(END_OF_WORD, '')].length);
    if (lengths.reduce((a, b) => a + b, 0) !== bytes(chunk)) return null;
    const target = bytes(chunk.slice(0, k));
    let covered = 0;
    for (let j = 0; j < count; j++) {
      covered += lengths[j];
      if (covered >= target) return j + 1;
    }
    return count;
  }
}

const UTF8 = new TextEncoder();
const END_OF_WORD = /<\/w>$/;

const CORE_LEAD = /^[^\p{L}\p{M}\p{N}]+/u;
const CORE_TRAIL = /[^\p{L}\p{M}\p{N}]+$/u;

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
      `word ${wordIndex} of ${preview(text)} falls beyond CLIP's context: token positions needed`,
      encoding.pieceCount,
      tokenizer.contextLength - 2,
    );
  }
  return position;
}

/** `template(text)` as CLIP input ids: Int32Array(contextLength), start, pieces, end, end-padding; truncates. */
export function encodeForClip(tokenizer: ClipTokenizer, text: string, options: ClipEncodeOptions = {}): Int32Array {
  return tokenizer.encode(text, options).ids;
}
