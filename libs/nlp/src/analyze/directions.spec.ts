import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { DIRECTION_TYPOS } from './directions';

const cues = (text: string): string[] =>
  analyze(text).directions.map(
    (d) => `${d.cue}@${d.index}${d.ordinal !== null ? `#${d.ordinal}` : ''}${d.extreme ? '!' : ''}`,
  );

describe('direction cues', () => {
  it.each([
    ['man on the left', ['left@3']],
    ['RIGHT GUY', ['right@0']],
    ['guy on right,', ['right@2']],
    ['upper shelf', ['top@0']],
    ['lower bunk', ['bottom@0']],
    ['bear in the middle', ['center@3']],
    ['the centre one', ['center@1']],
    ['center zebra', ['center@0']],
    ['top right corner', ['top@0', 'right@1']],
    ['bottom right corner', ['bottom@0', 'right@1']],
    ['top-left pizza', ['top@0', 'left@0']],
    ['leftmost sheep', ['left@0!']],
    ['rightmost', ['right@0!']],
    ['topmost book', ['top@0!']],
    ['far left elephant', ['left@1!']],
    ['the boat furthest to the right', ['right@5!']],
    ['the left most boat', ['left@1!']],
    ['second from left', ['left@2#2']],
    ['2nd from the right', ['right@3#2']],
    ['third one from the left', ['left@4#3']],
    ['person on the left side of the bench', ['left@3']],
    ['guy,left', ['left@0']],
    ['MAN(RIGHT)', ['right@0']],
  ])('%s → %j', (text, expected) => {
    expect(cues(text)).toEqual(expected);
  });

  it('groups adjacent cues into one position and numbers groups in order', () => {
    const d = analyze('top row second from right').directions;
    expect(d.map((c) => [c.cue, c.group])).toEqual([
      ['top', 0],
      ['right', 1],
    ]);
    const corner = analyze('bottom right corner').directions;
    expect(corner.map((c) => c.group)).toEqual([0, 0]);
  });

  it('never matches inside a word', () => {
    for (const text of ['leftover pizza', 'laptop', 'copyright sign', 'bottoms', 'centerpiece', 'uppercut', 'brighter']) {
      expect(cues(text)).toEqual([]);
    }
  });

  it('drops senses that are not a position in the image', () => {
    for (const text of [
      'a girl with a donut in her left hand', // laterality
      "the man's right arm",
      'guy right behind the woman', // intensifier
      'man right in front of the bus',
      'right now',
      'the piece that is left', // verb
      'food left over',
      'cake on top of the table', // resting on
      'girl in blue top', // clothing
      'woman in tank top',
      'middle aged man',
      'middle-aged man',
    ]) {
      expect(cues(text), text).toEqual([]);
    }
  });

  it('keeps positional uses next to those senses', () => {
    expect(cues('sandwich on top')).toEqual(['top@2']);
    expect(cues('the plate that is left of the cup')).toEqual(['left@4']);
    expect(cues('right hand side')).toEqual(['right@0']);
    expect(cues('red top left')).toEqual(['top@1', 'left@2']);
    expect(cues('guy on right in front')).toEqual(['right@2']);
  });

  it('accepts the exported typo forms', () => {
    expect(DIRECTION_TYPOS.get('rigth')).toBe('right');
    expect(DIRECTION_TYPOS.get('lft')).toBe('left');
    expect(cues('rigth guy')).toEqual(['right@0']);
    expect(cues('zebra on lft')).toEqual(['left@2']);
    expect(cues('guy standing on rt')).toEqual(['right@3']);
    // the typo is also a modifier for the root finder: "guy rigth" is still about the guy
    expect(analyze('guy rigth').root.word).toBe('guy');
  });
});
