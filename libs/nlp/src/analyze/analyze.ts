import { EmptyExpressionError, ExpressionTooLongError } from '../errors/nlp.errors';
import { findDirections, type DirectionCue } from './directions';
import { findRoot, type Break } from './root';
import { tagWord, type Tag } from './tagger';
import { splitWords, trimWhitespace, type Word } from './words';

export interface AnalyzedWord extends Word {
  /** the rule-based part-of-speech class the parser used */
  tag: Tag;
}

export interface WordRef {
  /** whitespace-word index in the trimmed expression, from 0 */
  index: number;
  /** the normalised word */
  word: string;
}

export interface Analysis {
  /** the trimmed expression that indices and offsets refer to */
  text: string;
  words: AnalyzedWord[];
  /** dependency ROOT: the head noun of a noun phrase, the main verb of a clause ("a man runs …" → "runs") */
  root: WordRef;
  /** the reference code's rule: first token whose dependency is ROOT or contains "subj" */
  subject: WordRef;
  /** the head noun naming the referent (= root for noun phrases; the subject noun, or the copula's complement) */
  referent: WordRef;
  /** the referent's noun phrase without determiners, e.g. "red shirt man" in "the red shirt man on the left" */
  phrase: { start: number; end: number; text: string };
  /** true when the expression is a clause (root is a verb) */
  clause: boolean;
  directions: DirectionCue[];
}

export interface AnalyzeOptions {
  /** characters (code points) of the trimmed expression above which analyze() throws; default 1000 */
  maxLength?: number;
}

export const DEFAULT_MAX_LENGTH = 1000;

/**
 * Analyses a referring expression: words, root and subject words, the referent's phrase and direction cues.
 * Pure and synchronous.
 * @throws EmptyExpressionError when no word has a letter or digit (empty, blank, punctuation/control only)
 * @throws ExpressionTooLongError when the trimmed expression is longer than `maxLength`
 */
export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const trimmed = trimWhitespace(String(text));
  if (trimmed.length > maxLength) {
    const characters = countCodePoints(trimmed);
    if (characters > maxLength) throw new ExpressionTooLongError('expression length in characters', characters, maxLength);
  }
  const raw = splitWords(trimmed);
  const n = raw.length;
  const norms = new Array<string>(n);
  const tags = new Array<Tag>(n);
  const breaks = new Array<Break>(n);
  const texts = new Array<string>(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    const w = raw[i];
    norms[i] = w.norm;
    texts[i] = w.text;
    tags[i] = tagWord(w.norm);
    breaks[i] = breakAfter(w.text);
    if (w.norm !== '') any = true;
  }
  if (!any) throw new EmptyExpressionError(text);
  // A lone "s" is the possessive of a split "train ' s" only right after an apostrophe.
  for (let i = 0; i < n; i++) {
    if (tags[i] === 'POSS' && !(i > 0 && /^['’`]$/.test(texts[i - 1]))) tags[i] = 'NOUN';
  }
  // "can" is a modal only before a verb ("you can see"); otherwise a noun ("trash can", "a can of soda")
  for (let i = 0; i < n; i++) {
    if (norms[i] === 'can' && !(i + 1 < n && MODAL_FOLLOWERS.has(norms[i + 1])) && !(i + 1 < n && VERB_TAGS.has(tags[i + 1]))) {
      tags[i] = 'NOUN';
    }
  }
  const parse = findRoot({ norms, tags, breaks });
  const words = new Array<AnalyzedWord>(n);
  for (let i = 0; i < n; i++) {
    const w = raw[i];
    words[i] = { text: w.text, start: w.start, end: w.end, norm: w.norm, tag: tags[i] };
  }
  const ref = (index: number): WordRef => ({ index, word: norms[index] || texts[index] });
  const phraseText = trimmed.slice(words[parse.phraseStart].start, words[parse.phraseEnd - 1].end);
  return {
    text: trimmed,
    words,
    root: ref(parse.root),
    subject: ref(parse.subject),
    referent: ref(parse.referent),
    phrase: { start: parse.phraseStart, end: parse.phraseEnd, text: stripEdgePunctuation(phraseText) },
    clause: parse.clause,
    directions: findDirections(norms, texts),
  };
}

function countCodePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || (text.charCodeAt(i - 1) & 0xfc00) !== 0xd800) n++;
  }
  return n;
}

const MODAL_FOLLOWERS = new Set(['see', 'be', 'not', 'only', 'barely', 'just', 'also', 'tell', 'have', 'sit', 'stand']);
const VERB_TAGS: ReadonlySet<Tag> = new Set<Tag>(['BE', 'HAVE', 'ADV', 'VFIN', 'VED', 'VING']);

const COMMA_END = /[,;:]$/;
const SENTENCE_END = /[.!?]$/;

function breakAfter(text: string): Break {
  if (SENTENCE_END.test(text)) return 2;
  if (COMMA_END.test(text)) return 1;
  return 0;
}

function stripEdgePunctuation(text: string): string {
  return text.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
}
