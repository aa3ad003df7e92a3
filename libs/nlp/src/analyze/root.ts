/**
 * The head word of a referring expression, as a dependency parser's ROOT would give it, by English noun-phrase
 * rules over the tagger's classes:
 * - the first sentence's first noun phrase ends at a preposition, participle after its noun, relative word,
 *   coordinator after its noun, adverb after its noun, new determiner (a reduced relative: "the couch the man …"),
 *   comma or full stop after its noun, or a finite verb;
 * - its head is the last noun before that end (compounds: "tennis player", "kid back blue shirt" → "shirt");
 *   with no noun, the last modifier heads it ("the larger of …", "second from left", "right");
 * - if a finite verb or auxiliary follows the subject noun phrase (across its prepositional phrases), the
 *   expression is a clause: its ROOT is the main verb ("a man runs …" → "runs", "a bus is standing …" →
 *   "standing", "it is 2 suitcases" → "is"), and the subject is the noun phrase's head.
 */
import {
  COMPOUND_GERUNDS,
  NOUN_CAPABLE_ADJECTIVES,
  PLURAL_VERB_BASE,
  IRREGULAR_PLURALS,
  SUBJECT_PRONOUNS,
  TRANSITIVE_ING,
} from './lexicon';
import type { Tag } from './tagger';

/** Punctuation break after a word: 0 none, 1 comma-like (, ; :), 2 sentence end (. ! ?). */
export type Break = 0 | 1 | 2;

export interface ParseInput {
  norms: readonly string[];
  tags: readonly Tag[];
  breaks: readonly Break[];
}

export interface ParseResult {
  /** the dependency ROOT: the head noun, or the main verb of a clause */
  root: number;
  /** the reference code's rule: first token whose dependency is ROOT or a subject */
  subject: number;
  /** the head noun of the phrase that names the referent (differs from root in clauses) */
  referent: number;
  /** the referent's noun phrase without leading determiners: words [phraseStart, phraseEnd) */
  phraseStart: number;
  phraseEnd: number;
  clause: boolean;
}

type Stop = 'end' | 'break' | 'prep' | 'det' | 'participle' | 'verb' | 'conj' | 'rel' | 'adv' | 'pron';

interface NounPhrase {
  head: number;
  /** first word that is not a determiner, or head */
  start: number;
  /** index of the word that stopped the phrase (or the word after a break) */
  end: number;
  stop: Stop;
}

const NOUNISH: ReadonlySet<Tag> = new Set<Tag>(['NOUN', 'ONE', 'PRON', 'SPATIAL', 'NUM', 'ADJ', 'ORD']);
const VERB_FOLLOWERS: ReadonlySet<Tag> = new Set<Tag>(['PREP', 'DET', 'ADV', 'PRON', 'PUNCT', 'NOUN', 'ADJ', 'NUM']);
const CLAUSE_VERBS: ReadonlySet<Tag> = new Set<Tag>(['VFIN', 'BE', 'HAVE', 'MODAL']);
const PARTICIPLE_FOLLOWERS: ReadonlySet<Tag> = new Set<Tag>(['DET', 'PRON', 'PREP', 'ADV']);
const POSSESSIVE_WORD = /.(?:'s|s')$/;
const OBJECT_STARTERS: ReadonlySet<Tag> = new Set<Tag>(['DET', 'NUM', 'ORD', 'ADJ', 'NOUN', 'ONE', 'PRON']);

function isPlural(norm: string): boolean {
  return IRREGULAR_PLURALS.has(norm) || (norm.length > 3 && norm.endsWith('s') && !/(?:ss|us|is)$/.test(norm));
}

/** "is painting an elephant": after a copula an -ing noun form is the progressive participle. */
function isIngForm(norm: string, tag: Tag): boolean {
  return tag === 'NOUN' && norm.length >= 5 && norm.endsWith('ing');
}

function nextWord(input: ParseInput, from: number): number {
  const { tags } = input;
  let k = from;
  while (k < tags.length && tags[k] === 'PUNCT') k++;
  return k;
}

/** A base-form verb after a plural noun ("two men sit on a bench"). */
function isPluralVerb(input: ParseInput, j: number, lastNoun: number, coordinated = false): boolean {
  const { norms, tags } = input;
  if (lastNoun < 0 || !PLURAL_VERB_BASE.has(norms[j]) || !(coordinated || isPlural(norms[lastNoun]))) return false;
  const k = j + 1;
  return k >= tags.length || VERB_FOLLOWERS.has(tags[k]);
}

export function parseNounPhrase(input: ParseInput, from: number, coordinated = false): NounPhrase {
  const { norms, tags, breaks } = input;
  const n = tags.length;
  let lastNoun = -1;
  let lastContent = -1;
  let firstContent = -1;
  let lastDet = -1;
  let stop: Stop = 'end';
  let j = from;
  for (; j < n; j++) {
    const t = tags[j];
    const content = lastContent >= 0;
    if (t === 'PUNCT' || t === 'POSS') {
      // a possessor ("man ' s crossed legs") is not the head; what follows is prenominal
      if (t === 'POSS') lastNoun = -1;
      if (breaks[j] !== 0 && content && (lastNoun >= 0 || breaks[j] === 2)) {
        stop = 'break';
        break;
      }
      continue;
    }
    let take = false;
    let noun = false;
    switch (t) {
      case 'DET':
        if (content) stop = 'det';
        else lastDet = j;
        break;
      case 'NUM':
      case 'ORD':
      case 'ADJ':
      case 'SPATIAL':
        take = true;
        break;
      case 'ADV':
        if (lastNoun >= 0) {
          // "… wine glass still has some wine": an adverb before the finite verb of a clause
          if (j + 1 < n && CLAUSE_VERBS.has(tags[j + 1])) {
            j++;
            stop = 'verb';
          } else {
            stop = 'adv';
          }
        } else {
          take = true;
        }
        break;
      case 'ONE':
        take = noun = true;
        break;
      case 'NOUN':
        if (isPluralVerb(input, j, lastNoun, coordinated)) stop = 'verb';
        else take = noun = true;
        break;
      case 'PRON':
        if (content) stop = 'pron';
        else take = noun = true;
        break;
      case 'VING':
      case 'VED':
        if (t === 'VED' && j + 1 < n && (tags[j + 1] === 'NOUN' || tags[j + 1] === 'ADJ' || tags[j + 1] === 'VING')) {
          take = true; // a past participle takes no bare object: "coin operated parking meter"
        } else if (t === 'VING' && j > from && tags[j - 1] === 'VED' && j + 1 < n && tags[j + 1] === 'NOUN') {
          take = true; // … and an -ing word between it and the noun is a modifier too ("operated parking meter")
        } else if (
          lastNoun >= 0 ||
          (content &&
            ((j + 1 < n && PARTICIPLE_FOLLOWERS.has(tags[j + 1])) || norms[j] === 'being' || TRANSITIVE_ING.has(norms[j])))
        ) {
          // after the noun, or after any modifier when an object or adjunct follows ("the male wearing a hat")
          stop = 'participle';
        } else {
          take = true;
        }
        break;
      case 'VFIN':
        if (content) stop = 'verb';
        else take = noun = true; // "stands" with nothing before it is a plural noun
        break;
      case 'BE':
      case 'HAVE':
      case 'MODAL':
        if (content) stop = 'verb';
        break;
      case 'PREP':
        // "any of the heads": a determiner alone before "of" is the head (partitive)
        if (content || (lastDet >= 0 && norms[j] === 'of')) stop = 'prep';
        break;
      case 'CONJ':
        // "man and woman" ends the phrase; "gray black and tan bird" coordinates modifiers
        if (lastNoun >= 0 && lastNoun === lastContent) stop = 'conj';
        break;
      case 'REL':
        if (content) stop = 'rel';
        break;
    }
    if (stop !== 'end') break;
    if (take) {
      lastContent = j;
      if (firstContent < 0) firstContent = j;
      if (noun) lastNoun = POSSESSIVE_WORD.test(norms[j]) ? -1 : j;
    }
    if (breaks[j] !== 0 && (lastNoun >= 0 || breaks[j] === 2) && lastContent >= 0) {
      j++;
      stop = 'break';
      break;
    }
  }
  // A colour or "top" that ends a run after a noun or adjective is itself the noun: "traffic light", "blue top".
  if (
    lastContent > from &&
    lastContent > lastNoun &&
    NOUN_CAPABLE_ADJECTIVES.has(norms[lastContent]) &&
    norms[lastContent + 1] !== 'most' // "cow front most" is the frontmost cow
  ) {
    let p = lastContent - 1;
    while (p > from && tags[p] === 'PUNCT') p--;
    if (p >= from && (tags[p] === 'NOUN' || tags[p] === 'ADJ' || tags[p] === 'ONE' || tags[p] === 'NUM')) {
      lastNoun = lastContent;
    }
  }
  // With no noun the last modifier heads the phrase, preferring a non-spatial one ("orange left of another").
  let fallback = lastContent;
  for (let k = lastContent; k >= from && k >= 0; k--) {
    if (tags[k] !== 'SPATIAL' && tags[k] !== 'PUNCT' && tags[k] !== 'POSS' && tags[k] !== 'DET' && tags[k] !== 'ADV' && k >= firstContent) {
      fallback = k;
      break;
    }
  }
  let head = lastNoun >= 0 ? lastNoun : fallback >= 0 ? fallback : lastDet;
  if (head < 0) head = -1;
  const start = firstContent >= 0 && firstContent <= head ? firstContent : head;
  return { head, start, end: j, stop };
}

/** Index of the main verb of a clause whose first verb word is at v. */
function resolveVerb(input: ParseInput, v: number): number {
  const { norms, tags } = input;
  const n = tags.length;
  const t = tags[v];
  if (t === 'VFIN' || t === 'NOUN') return v;
  let k = v + 1;
  const skip = (): void => {
    while (k < n && (tags[k] === 'ADV' || tags[k] === 'PUNCT')) k++;
  };
  skip();
  if (t === 'BE' || t === 'HAVE') {
    if (k < n && (norms[k] === 'being' || norms[k] === 'been')) {
      const aux = k;
      k++;
      skip();
      if (k < n && (tags[k] === 'VING' || tags[k] === 'VED')) return k;
      return norms[aux] === 'been' ? aux : v;
    }
    if (k < n && (tags[k] === 'VED' || (t === 'BE' && (tags[k] === 'VING' || isIngForm(norms[k], tags[k]))))) {
      return k;
    }
    return v;
  }
  // modal: "can be seen", "will sit"
  while (k < n && (tags[k] === 'BE' || tags[k] === 'HAVE' || tags[k] === 'ADV' || norms[k] === 'being')) k++;
  if (k < n && (tags[k] === 'VING' || tags[k] === 'VED' || tags[k] === 'VFIN' || tags[k] === 'NOUN')) return k;
  return v;
}

/**
 * After a noun phrase that stopped at a preposition, walks its prepositional phrases ("a man in a hat and red
 * jacket holds …") and returns the finite verb or auxiliary that follows them, or -1.
 */
function findClauseVerb(input: ParseInput, from: number): number {
  const { tags, breaks } = input;
  let nounish = false;
  let lastNoun = -1;
  for (let j = from; j < tags.length; j++) {
    const t = tags[j];
    switch (t) {
      case 'PUNCT':
      case 'POSS':
        break;
      case 'PREP':
      case 'CONJ':
        nounish = false;
        break;
      case 'DET':
      case 'ADV':
      case 'PRON': // "the animal we can see": a reduced relative clause
        if (nounish) return -1;
        nounish = t === 'PRON';
        break;
      case 'VFIN':
        if (nounish) return j;
        nounish = true;
        break;
      case 'BE':
      case 'HAVE':
      case 'MODAL':
        return nounish ? j : -1;
      case 'VING':
      case 'VED':
        if (nounish) return -1;
        break;
      case 'REL':
        return -1;
      case 'NOUN':
        if (isPluralVerb(input, j, lastNoun)) return j;
        nounish = true;
        lastNoun = j;
        break;
      default:
        nounish = NOUNISH.has(t);
    }
    if (breaks[j] !== 0) return -1;
  }
  return -1;
}

/**
 * After a relative clause on the subject ("a small boy who is wearing red shorts is playing …"): the relative
 * clause takes the first finite verb; a second one right after a noun-like word is the main clause's. Gives up
 * (-1) at punctuation, a nested relative, or anything less clear.
 */
function findVerbAfterRelative(input: ParseInput, rel: number): number {
  const { tags, breaks } = input;
  if (breaks[rel] !== 0) return -1;
  let seenVerb = false;
  let nounish = false;
  for (let j = rel + 1; j < tags.length; j++) {
    const t = tags[j];
    if (!seenVerb) {
      if (CLAUSE_VERBS.has(t)) seenVerb = true;
    } else if ((t === 'BE' || t === 'VFIN' || t === 'HAVE') && nounish) {
      return j;
    } else if (t === 'REL') {
      return -1;
    } else {
      nounish = NOUNISH.has(t);
    }
    if (breaks[j] !== 0) return -1;
  }
  return -1;
}

export function findRoot(input: ParseInput): ParseResult {
  const { norms, tags } = input;
  const n = tags.length;
  const i = nextWord(input, 0);
  if (i >= n) return { root: 0, subject: 0, referent: 0, phraseStart: 0, phraseEnd: 1, clause: false };
  const j = nextWord(input, i + 1);

  // "it is …", "this is the giraffe …", "there is a man …"
  if (SUBJECT_PRONOUNS.has(norms[i]) && j < n && ['BE', 'HAVE', 'MODAL', 'VFIN'].includes(tags[j])) {
    const root = resolveVerb(input, j);
    const subject = norms[i] === 'there' ? root : i;
    let referent = subject;
    let phrase: [number, number] = [i, i + 1];
    if (root === j && tags[j] === 'BE') {
      const np = parseNounPhrase(input, j + 1);
      if (np.head >= 0) {
        referent = np.head;
        phrase = [np.start, np.head + 1];
      }
    }
    return { root, subject, referent, phraseStart: phrase[0], phraseEnd: phrase[1], clause: true };
  }

  // "holding a bat": a transitive participle that opens the expression is its ROOT
  const bareObject = j < n && OBJECT_STARTERS.has(tags[j]);
  const determinedObject = j < n && (tags[j] === 'DET' || tags[j] === 'PRON' || tags[j] === 'NUM');
  if (tags[i] === 'VING' && ((TRANSITIVE_ING.has(norms[i]) && bareObject) || (COMPOUND_GERUNDS.has(norms[i]) && determinedObject))) {
    return { root: i, subject: i, referent: i, phraseStart: i, phraseEnd: i + 1, clause: false };
  }

  const np = parseNounPhrase(input, i);
  const head = np.head >= 0 ? np.head : i;
  const result: ParseResult = {
    root: head,
    subject: head,
    referent: head,
    phraseStart: np.start >= 0 ? np.start : head,
    phraseEnd: head + 1,
    clause: false,
  };
  let verb = -1;
  if (np.stop === 'verb') verb = np.end;
  else if (np.stop === 'prep') verb = findClauseVerb(input, np.end);
  else if (np.stop === 'rel' || (np.stop === 'det' && norms[np.end] === 'that')) verb = findVerbAfterRelative(input, np.end);
  else if (np.stop === 'conj' && norms[np.end] === 'and') {
    // a coordinated subject: "a man and woman hold video controllers"
    const second = parseNounPhrase(input, np.end + 1, true);
    if (second.stop === 'verb') verb = second.end;
  }
  if (verb >= 0) {
    result.root = resolveVerb(input, verb);
    result.clause = true;
  }
  return result;
}
