/**
 * Whitespace words. "Whitespace" is Unicode White_Space — the same class the CLIP tokenizer's `\s` uses — so a
 * word here is never split by the tokenizer's whitespace handling and never joins two of its words.
 */
export const WHITESPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WORD_RE = new RegExp(`[^${WHITESPACE}]+`, 'gu');
const EDGE_RE = new RegExp(`^[${WHITESPACE}]+|[${WHITESPACE}]+$`, 'gu');

export interface Word {
  /** the word as typed */
  text: string;
  /** UTF-16 offsets into the trimmed input: text === trimmed.slice(start, end) */
  start: number;
  end: number;
  /** lower-cased, NFKC, without surrounding punctuation ("COW," → "cow"); "" for a word with no letter or digit */
  norm: string;
}

/** Trims Unicode white space (String.prototype.trim also strips U+FEFF, which the tokenizer keeps). */
export function trimWhitespace(text: string): string {
  return text.replace(EDGE_RE, '');
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const LEADING_PUNCT = /^[^\p{L}\p{N}]+/u;
const TRAILING_PUNCT = /[^\p{L}\p{N}]+$/u;

/** Lower-cases and strips surrounding punctuation; keeps inner apostrophes and hyphens ("levi's", "t-shirt"). */
const PLAIN_LOWER = /^[a-z0-9]+$/;
const ASCII = /^[\x20-\x7e]*$/;

export function normaliseWord(text: string): string {
  if (PLAIN_LOWER.test(text)) return text; // the common case, no work
  if (!LETTER_OR_DIGIT.test(text)) return '';
  const folded = ASCII.test(text) ? text.toLowerCase() : text.normalize('NFKC').toLowerCase();
  let norm = folded.replace(LEADING_PUNCT, '').replace(TRAILING_PUNCT, '');
  // "man's" / "man’s" → possessive marker handled by the tagger; keep the word readable
  norm = norm.replace(/\u2019/g, "'");
  return norm;
}

/** Splits the trimmed text into words with offsets relative to the trimmed text. */
export function splitWords(trimmed: string): Word[] {
  const words: Word[] = [];
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(trimmed); m !== null; m = WORD_RE.exec(trimmed)) {
    words.push({ text: m[0], start: m.index, end: m.index + m[0].length, norm: normaliseWord(m[0]) });
  }
  return words;
}
