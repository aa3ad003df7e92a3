/**
 * Spatial cues for the positional bias: whole words only (never "leftover", "laptop"), normalised to
 * left | right | top | bottom | center, with their word index. Senses that are not a position in the image are
 * dropped: laterality of a body part ("her left hand"), the intensifier "right" ("right behind the man",
 * "right in front of"), "right now", the verb "left" ("what is left"), "on top of" (resting on something),
 * clothing ("blue top", "tank top"), "middle aged". Depth words (front, back, behind) are not cues here.
 */
import { BODY_PARTS, COLOURS, ORDINALS, POSSESSIVES } from './lexicon';

export type DirectionCueKind = 'left' | 'right' | 'top' | 'bottom' | 'center';

export interface DirectionCue {
  cue: DirectionCueKind;
  /** whitespace-word index of the word carrying the cue */
  index: number;
  /** the word as typed */
  word: string;
  /**
   * Cues on adjacent words form one position ("top left", "bottom right corner", "top-left"): they share a group
   * number (0, 1, … in order). The positional bias may combine a group's axes into one 2-D ramp.
   */
  group: number;
  /** "second from left" → 2: count from that side. null when no ordinal applies. */
  ordinal: number | null;
  /** "far left", "leftmost", "furthest right", "left most": the extreme of that side */
  extreme: boolean;
}

interface Form {
  cue: DirectionCueKind;
  extreme: boolean;
}

const forms = new Map<string, Form>();
const add = (cue: DirectionCueKind, extreme: boolean, words: string): void => {
  for (const w of words.trim().split(/\s+/)) forms.set(w, { cue, extreme });
};
add('left', false, 'left');
add('right', false, 'right');
add('top', false, 'top upper');
add('bottom', false, 'bottom lower');
add('center', false, 'middle center centre central mid centered centred');
add('left', true, 'leftmost');
add('right', true, 'rightmost');
add('top', true, 'topmost uppermost');
add('bottom', true, 'bottommost lowermost');

/** Misspellings and abbreviations users type for direction words, with the cue each stands for. */
export const DIRECTION_TYPOS: ReadonlyMap<string, DirectionCueKind> = new Map<string, DirectionCueKind>([
  ['rigth', 'right'], ['rght', 'right'], ['rigt', 'right'], ['riht', 'right'], ['righ', 'right'],
  ['rihgt', 'right'], ['rigjt', 'right'], ['righr', 'right'], ['roght', 'right'], ['rt', 'right'],
  ['lft', 'left'], ['letf', 'left'], ['lef', 'left'], ['leftt', 'left'], ['lefft', 'left'], ['elft', 'left'],
  ['botom', 'bottom'], ['bottem', 'bottom'], ['bottm', 'bottom'], ['buttom', 'bottom'], ['botton', 'bottom'],
  ['middel', 'center'], ['midle', 'center'], ['midddle', 'center'], ['middile', 'center'], ['cener', 'center'],
  ['centr', 'center'], ['centre', 'center'], ['upperr', 'top'],
]);
for (const [typo, cue] of DIRECTION_TYPOS) if (!forms.has(typo)) forms.set(typo, { cue, extreme: false });

/** Every word form (including typos) recognised as a direction, with its cue. */
export const DIRECTION_FORMS: ReadonlyMap<string, Form> = forms;

const EXTREME_BEFORE = new Set(['far', 'furthest', 'farthest', 'extreme', 'very', 'most', 'all']);
const SKIPPABLE_BEFORE = new Set(['to', 'the', 'on', 'at', 'way', 'of']);
/** After "right" these make it the intensifier ("right behind", "right next to"), unless "right" ends a phrase. */
const INTENSIFIED = new Set([
  'behind', 'next', 'beside', 'besides', 'above', 'below', 'under', 'underneath', 'beneath', 'near', 'by',
  'there', 'here', 'between', 'against', 'infront', 'across', 'along', 'alongside', 'before', 'after',
]);
/** Words that may precede a positional "right"/"left" (so "right" after them is never the intensifier). */
const POSITION_INTRODUCERS = new Set([
  'the', 'on', 'at', 'to', 'from', 'in', 'of', 'towards', 'toward', 'far', 'most', 'very', 'top', 'bottom',
  'upper', 'lower', 'middle', 'center', 'centre', 'front', 'back', 'and', 'or', 'furthest', 'farthest', 'extreme',
]);
const CLOTHING_TOP_MODIFIERS = new Set([
  'tank', 'crop', 'halter', 'tube', 'striped', 'plaid', 'sleeveless', 'spaghetti', 'floral', 'patterned', 'knit',
  'bikini', 'swim', 'sequin', 'lace', 'polka', 'dot', 'dotted', 'print', 'checkered',
  // compounds that are objects: "lap top", "table top", "bottle top"
  'lap', 'table', 'desk', 'counter', 'bottle', 'tree', 'roof', 'hill', 'mountain',
]);
const VERB_BEFORE_LEFT = new Set([
  'is', 'was', 'are', 'were', 'be', 'been', 'being', 'has', 'have', 'had', 'who', 'which', 'nothing', 'anything',
  'something', 'get', 'gets', 'got', 'just', 'still',
]);
const POSITION_AFTER_LEFT = new Set(['of', 'side', 'corner', 'most', 'edge', 'half', 'part', 'hand', 'end', 'to']);

function isPossessive(norm: string | undefined): boolean {
  return norm !== undefined && (POSSESSIVES.has(norm) || /['’]s$/.test(norm) || norm === 's');
}

/** Whether the cue word at index i (its norm `w`) is used in a non-positional sense. */
function otherSense(norms: readonly string[], i: number, w: string, cue: DirectionCueKind): boolean {
  const prev = norms[i - 1];
  const next = norms[i + 1];
  const next2 = norms[i + 2];
  if ((cue === 'left' || cue === 'right') && next !== undefined && BODY_PARTS.has(next) && isPossessive(prev)) {
    return !(next === 'hand' && next2 === 'side');
  }
  if (w === 'right') {
    if (next === 'now' || next === 'away' || prev === 'all') return true;
    const introduced = prev === undefined || prev === '' || POSITION_INTRODUCERS.has(prev) || forms.has(prev);
    if (!introduced && next !== undefined) {
      if (INTENSIFIED.has(next)) return true;
      if ((next === 'in' && next2 === 'front') || (next === 'on' && next2 === 'top')) return true;
    }
  }
  if (w === 'left') {
    if (next === 'over' || next === 'behind') return true;
    if (prev !== undefined && VERB_BEFORE_LEFT.has(prev) && (next === undefined || !POSITION_AFTER_LEFT.has(next))) {
      return true;
    }
  }
  if (w === 'top') {
    if (prev === 'on' && next === 'of') return true;
    const nextIsPosition = next !== undefined && (forms.has(next) || next === 'of' || next === 'row' || next === 'shelf');
    if (prev !== undefined && (COLOURS.has(prev) || CLOTHING_TOP_MODIFIERS.has(prev)) && !nextIsPosition) return true;
  }
  if (cue === 'center' && (next === 'aged' || next === 'age' || next === 'school' || next === 'finger')) return true;
  return false;
}

const INNER_PUNCT = /[^\p{L}\p{N}']+/u;

/** Splits "top-left", "left-most", "guy,left", "red/left" into parts; plain words are one part. */
function parts(norm: string): string[] {
  return INNER_PUNCT.test(norm) ? norm.split(INNER_PUNCT).filter((p) => p !== '') : [norm];
}

export function findDirections(norms: readonly string[], texts: readonly string[]): DirectionCue[] {
  const cues: DirectionCue[] = [];
  let group = -1;
  let lastIndex = -10;
  for (let i = 0; i < norms.length; i++) {
    const w = norms[i];
    if (w === '') continue;
    const ps = parts(w);
    for (let p = 0; p < ps.length; p++) {
      const part = ps[p];
      const form = forms.get(part);
      if (form === undefined) continue;
      if (ps.length > 1) {
        const after = ps[p + 1];
        if (form.cue === 'center' && (after === 'aged' || after === 'age')) continue;
      } else if (otherSense(norms, i, part, form.cue)) {
        continue;
      }
      let extreme = form.extreme;
      if (ps[p + 1] === 'most' || (p === ps.length - 1 && norms[i + 1] === 'most')) extreme = true;
      if (p > 0 && EXTREME_BEFORE.has(ps[p - 1])) extreme = true;
      for (let k = i - 1, steps = 0; k >= 0 && steps < 4 && !extreme && p === 0; k--, steps++) {
        if (EXTREME_BEFORE.has(norms[k])) extreme = true;
        else if (!SKIPPABLE_BEFORE.has(norms[k])) break;
      }
      if (i > lastIndex + 1) group++;
      lastIndex = i;
      cues.push({ cue: form.cue, index: i, word: texts[i], group, ordinal: ordinalFor(norms, i), extreme });
    }
  }
  return cues;
}

/** "second from (the) left", "2nd one from right", "third left" → the ordinal; otherwise null. */
function ordinalFor(norms: readonly string[], i: number): number | null {
  let k = i - 1;
  if (norms[k] === 'the' || norms[k] === 'far') k--;
  if (norms[k] === 'from') {
    for (let j = k - 1; j >= 0 && j >= k - 4; j--) {
      const value = ORDINALS.get(norms[j]);
      if (value !== undefined && value > 0) return value;
    }
    return null;
  }
  const value = ORDINALS.get(norms[i - 1]);
  return value !== undefined && value > 0 ? value : null;
}
