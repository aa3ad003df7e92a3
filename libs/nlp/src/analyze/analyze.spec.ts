import { describe, expect, it } from 'vitest';
import { EmptyExpressionError, ExpressionTooLongError } from '../errors/nlp.errors';
import { analyze } from './analyze';

const root = (text: string): string => {
  const a = analyze(text);
  return `${a.root.word}@${a.root.index}`;
};

describe('analyze: words', () => {
  it('splits the trimmed text on white space with offsets into the trimmed text and normalised forms', () => {
    const a = analyze('  WHITE COW,  FRONT\u00a0MOST  ');
    expect(a.text).toBe('WHITE COW,  FRONT\u00a0MOST');
    expect(a.words.map((w) => [w.text, w.start, w.end, w.norm])).toEqual([
      ['WHITE', 0, 5, 'white'],
      ['COW,', 6, 10, 'cow'],
      ['FRONT', 12, 17, 'front'],
      ['MOST', 18, 22, 'most'],
    ]);
    for (const w of a.words) expect(a.text.slice(w.start, w.end)).toBe(w.text);
  });

  it('keeps inner apostrophes and hyphens, drops surrounding punctuation', () => {
    const a = analyze('"levi\'s" t-shirt (left)');
    expect(a.words.map((w) => w.norm)).toEqual(["levi's", 't-shirt', 'left']);
  });
});

describe('analyze: root of a noun phrase', () => {
  it.each([
    ['the man in the red shirt on the left', 'man@1'],
    ['left guy', 'guy@1'],
    ['guy in red', 'guy@0'],
    ['man sitting', 'man@0'],
    ['far right guy sitting', 'guy@2'],
    ['MAN', 'man@0'],
    ['WHITE COW, FRONT MOST', 'cow@1'],
    ['tennis player with a white head band', 'player@1'],
    ['kid back blue shirt', 'shirt@3'], // compound run: the last noun heads it
    ['white shirt right', 'shirt@1'],
    ['white car top left', 'car@1'],
    ['top right corner', 'corner@2'],
    ['the one on the right', 'one@1'],
    ['white cow next to the brown one', 'cow@1'],
    ['second from left', 'second@0'],
    ['right', 'right@0'],
    ['the larger of the two', 'larger@1'],
    ['any of the heads that are behind the leader', 'any@0'],
    ['the back of the chair', 'back@1'],
    ['the orange whose stem is green', 'orange@1'],
    ['top orange', 'orange@1'],
    ['traffic light', 'light@1'],
    ['girl blue top', 'top@2'],
    ['a sad looking man in a train', 'man@3'],
    ['a brown colored drinking glass', 'glass@4'],
    ["train ' s front wheel", 'wheel@4'],
    ['a laptop beind held by a person', 'laptop@1'], // "beind" = being: a participle, not a clause
    ['player ith red and white uniform', 'player@0'], // "ith" = with
    ['an unusually straight , slightly green banana', 'banana@6'],
    ['middle tray. 2nd closest donut', 'tray@1'],
    ['the couch the man in brown is sitting on', 'couch@1'], // reduced relative clause
    ['sitting down', 'sitting@0'],
    ['38', '38@0'],
    ["a man ' s crossed legs underneath a table", 'legs@5'], // a possessor is not the head
    ['grey , coin operated parking meter', 'meter@5'], // a past participle before a noun is a modifier
    ['a black - haired male wearing black shorts', 'male@4'],
    ['dead gray black and tan bird', 'bird@5'], // coordinated modifiers
    ['the table closest to the trash can', 'table@1'], // "can" as a noun is no modal
    ['orange left of another', 'orange@0'],
    ['one half of a sandwich', 'half@1'],
    ['cutting board under pizza', 'board@1'],
    ['holding a bat', 'holding@0'],
  ])('%s → %s', (text, expected) => {
    expect(root(text)).toBe(expected);
  });

  it('gives the referent phrase without determiners', () => {
    expect(analyze('the red shirt man on the left').phrase).toEqual({ start: 1, end: 4, text: 'red shirt man' });
  });
});

describe('analyze: clauses', () => {
  it.each([
    ['a man runs behind a girl', 'runs@2', 'man@1'],
    ['a red table cloth is sitting on a wooden coffee table', 'sitting@5', 'cloth@3'],
    ['a man in a hat and red and black jacket holds a tennis racquet', 'holds@10', 'man@1'],
    ['it is 2 black suitcases in an isle', 'is@1', 'it@0'],
    ['a little girl has her right thumb in her mouth', 'has@3', 'girl@2'],
    ['a laptop is being held by a person', 'held@4', 'laptop@1'],
    ['two men sit on a bench', 'sit@2', 'men@1'],
    ['a man and woman hold video controllers', 'hold@4', 'man@1'],
    ['a wine glass still has some red wine in it', 'has@4', 'glass@2'],
    ['a man in red with a cap on backwards is painting an elephant', 'painting@10', 'man@1'],
    ['a small boy who is wearing red shorts is playing in the water', 'playing@9', 'boy@2'],
  ])('%s → root %s, subject %s', (text, r, s) => {
    const a = analyze(text);
    expect(`${a.root.word}@${a.root.index}`).toBe(r);
    expect(`${a.subject.word}@${a.subject.index}`).toBe(s);
    expect(a.clause).toBe(true);
  });

  it('names the copula complement as the referent of "this is the giraffe …"', () => {
    const a = analyze('this is the giraffe standing in the middle');
    expect(a.root).toEqual({ index: 1, word: 'is' });
    expect(a.subject).toEqual({ index: 0, word: 'this' });
    expect(a.referent).toEqual({ index: 3, word: 'giraffe' });
  });

  it('keeps relative clauses and participles inside the noun phrase', () => {
    for (const text of [
      'the giraffe that is eating',
      'a man who is holding a cake',
      'a woman in glasses standing',
      'the orange whose green stem is visible',
      'the man who is wearing a hat and is holding a bat',
    ]) {
      expect(analyze(text).clause).toBe(false);
    }
  });
});

describe('analyze: errors', () => {
  it('throws EmptyExpressionError for empty, blank, punctuation-only and control-only input', () => {
    for (const text of ['', '   ', '!!! ...', '\u0001\u0002', '\t\n']) {
      expect(() => analyze(text)).toThrow(EmptyExpressionError);
    }
  });

  it('throws ExpressionTooLongError above maxLength code points, naming both numbers', () => {
    const long = 'the man on the left '.repeat(60);
    expect(() => analyze(long)).toThrow(/1199 exceeds the limit of 1000/);
    expect(() => analyze(long)).toThrow(ExpressionTooLongError);
    expect(analyze(long, { maxLength: 2000 }).root).toEqual({ index: 1, word: 'man' });
    // 1000 emoji are 2000 UTF-16 units but 1000 characters
    expect(() => analyze('😀'.repeat(1000))).not.toThrow(ExpressionTooLongError);
  });
});
