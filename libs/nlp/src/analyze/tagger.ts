/**
 * Lexical part-of-speech classes for single words, from the lexicon plus English suffix rules. Context (a noun
 * before an -ing word, a determiner after a noun) is the parser's job; this is a pure function of one word.
 */
import {
  ADJECTIVES,
  ADVERBS,
  BE_FORMS,
  COLOURS,
  COMPARATIVES,
  COORDINATORS,
  DETERMINERS,
  ED_WORDS,
  EST_NOUNS,
  FUNCTION_TYPOS,
  HAVE_FORMS,
  ING_NOUNS,
  LY_ADJECTIVES,
  LY_NOUNS,
  MODALS,
  NUMBER_WORDS,
  ORDINALS,
  PARTICIPLES,
  PAST_FINITE,
  PREPOSITIONS,
  PRONOUNS,
  RELATIVES,
  SPATIAL,
  SUFFIX_NOUNS,
  VERB_3SG,
} from './lexicon';
import { DIRECTION_FORMS } from './directions';

export type Tag =
  | 'DET' // a, the, his, some
  | 'NUM' // 2, two
  | 'ORD' // second, 2nd
  | 'ADJ' // red, big, closest
  | 'SPATIAL' // left, top, middle, front
  | 'NOUN'
  | 'ONE' // "one"/"ones": a noun head when nothing follows, a number before a noun
  | 'PRON'
  | 'PREP'
  | 'CONJ'
  | 'REL' // who, where, while
  | 'ADV'
  | 'VING' // -ing participle
  | 'VED' // -ed / irregular participle
  | 'VFIN' // finite verb: sits, holds, sat
  | 'BE'
  | 'HAVE'
  | 'MODAL'
  | 'POSS' // the "s" of a split possessive "train ' s"
  | 'PUNCT';

const DIGITS = /^\d+(?:[.,:/]\d+)*$/;
const ADJ_SUFFIX = /(?:ous|ful|ive|able|ible|less|ish|ical|ese)$/;

/** Part of speech of one normalised word, ignoring context. */
export function lexicalTag(norm: string): Tag {
  if (norm === '') return 'PUNCT';
  const w = FUNCTION_TYPOS.get(norm) ?? norm;
  if (w === 's') return 'POSS';
  if (ORDINALS.has(w)) return 'ORD';
  if (w === 'one' || w === 'ones') return 'ONE';
  if (DIGITS.test(w) || NUMBER_WORDS.has(w)) return 'NUM';
  if (PRONOUNS.has(w) && !DETERMINERS.has(w)) return 'PRON';
  if (DETERMINERS.has(w)) return 'DET';
  if (BE_FORMS.has(w)) return 'BE';
  if (w === 'being') return 'VING';
  if (HAVE_FORMS.has(w)) return 'HAVE';
  if (MODALS.has(w)) return 'MODAL';
  if (SPATIAL.has(w) || DIRECTION_FORMS.has(w)) return 'SPATIAL';
  if (PREPOSITIONS.has(w)) return 'PREP';
  if (COORDINATORS.has(w)) return 'CONJ';
  if (RELATIVES.has(w)) return 'REL';
  if (COLOURS.has(w) || ADJECTIVES.has(w) || COMPARATIVES.has(w)) return 'ADJ';
  if (ADVERBS.has(w)) return 'ADV';
  if (VERB_3SG.has(w) || PAST_FINITE.has(w)) return 'VFIN';
  if (PARTICIPLES.has(w)) return 'VED';
  const dash = w.lastIndexOf('-');
  if (dash > 0 && dash < w.length - 1) {
    // "t-shirt" → noun; "blue-green", "middle-aged", "half-eaten", "top-left" → modifiers
    const last = lexicalTag(w.slice(dash + 1));
    if (last === 'SPATIAL') return 'SPATIAL';
    return last === 'NOUN' || last === 'ONE' ? 'NOUN' : 'ADJ';
  }
  const n = w.length;
  if (n >= 5 && w.endsWith('ing')) return ING_NOUNS.has(w) ? 'NOUN' : 'VING';
  if (n >= 4 && w.endsWith('ed')) return ED_WORDS.has(w) ? 'NOUN' : 'VED';
  if (n >= 6 && w.endsWith('est') && !EST_NOUNS.has(w)) return 'ADJ';
  if (LY_NOUNS.has(w)) return 'NOUN';
  if (LY_ADJECTIVES.has(w)) return 'ADJ';
  if (n >= 5 && w.endsWith('ly')) return 'ADV';
  if (n >= 6 && ADJ_SUFFIX.test(w) && !SUFFIX_NOUNS.has(w) && !w.endsWith('table')) return 'ADJ';
  return 'NOUN';
}

const cache = new Map<string, Tag>();
const CACHE_LIMIT = 20_000;

/** `lexicalTag` memoised (referring expressions reuse a small vocabulary). */
export function tagWord(norm: string): Tag {
  let tag = cache.get(norm);
  if (tag === undefined) {
    tag = lexicalTag(norm);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(norm, tag);
  }
  return tag;
}
