import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze, ClipTokenizer, NlpError, SD_REFERENCE_TEMPLATE, type Analysis } from '../src/index';
import { CLIP_FIXTURE_TOKENIZER_PATH } from '../src/testing/index';

const VOCAB = [
  'the', 'man', 'woman', 'left', 'right', 'rigth', 'lft', 'infront', 'of', 'a', 'guy', 'in', 'red', 'shirt', 'is',
  'sitting', 'holding', 'top', 'bottom', 'middle', 'second', 'from', 'far', 'most', 'that', 'who', 'and', ',', '.',
  "'", 's', 'leftover', 'TOP-LEFT', 'on', '2nd', 'one', 'runs', 'can', 'being', 'held', 'there', 'it',
];

/** Random text mixing real words, misspellings, unicode, emoji, punctuation runs, numbers and odd white space. */
const messyText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...VOCAB),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.constantFrom('😀', '👩‍👩‍👧', '!!!', '...', '—', '\u0000', '\u200b', '\ufeff', '\u0085', 'e\u0301', 'İ', '١٢٣'),
      fc.integer().map(String),
      fc.string({ unit: fc.constantFrom('a', 'e', 'r', 'g', 'h', 't', 'l', 'f'), minLength: 1, maxLength: 7 }),
    ),
    { maxLength: 30 },
  )
  .chain((parts) =>
    fc
      .array(fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '\u3000', ''), { minLength: parts.length, maxLength: parts.length })
      .map((seps) => parts.map((p, i) => p + seps[i]).join('')),
  );

function checkInvariants(text: string, a: Analysis): void {
  const n = a.words.length;
  expect(n).toBeGreaterThan(0);
  for (const w of a.words) expect(a.text.slice(w.start, w.end)).toBe(w.text);
  for (const ref of [a.root, a.subject, a.referent]) {
    expect(Number.isInteger(ref.index)).toBe(true);
    expect(ref.index).toBeGreaterThanOrEqual(0);
    expect(ref.index).toBeLessThan(n);
  }
  expect(a.phrase.start).toBeLessThan(a.phrase.end);
  expect(a.phrase.end).toBeLessThanOrEqual(n);
  for (const d of a.directions) {
    expect(['left', 'right', 'top', 'bottom', 'center']).toContain(d.cue);
    expect(d.index).toBeGreaterThanOrEqual(0);
    expect(d.index).toBeLessThan(n);
  }
  expect(text.includes(a.text)).toBe(true);
}

const analyseOrTypedError = (text: string, maxLength?: number): Analysis | null => {
  try {
    return analyze(text, { maxLength });
  } catch (err) {
    expect(err).toBeInstanceOf(NlpError);
    return null;
  }
};

describe('analyze never throws anything but its typed errors', () => {
  it('on random unicode, emoji, punctuation runs, numbers and misspellings', () => {
    fc.assert(
      fc.property(messyText, (text) => {
        const a = analyseOrTypedError(text);
        if (a !== null) checkInvariants(text, a);
        else expect(/[\p{L}\p{N}]/u.test(text) && text.length <= 1000).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const a = analyseOrTypedError(text);
        if (a !== null) checkInvariants(text, a);
      }),
      { numRuns: 2000 },
    );
  });

  it('on 10,000-character lines: a typed too-long error by default, a full analysis when allowed', () => {
    fc.assert(
      fc.property(messyText, (piece) => {
        const text = (piece + ' man on the left ').repeat(Math.ceil(10_000 / (piece.length + 17))).slice(0, 10_000);
        expect(() => analyze(text)).toThrow(NlpError);
        const a = analyseOrTypedError(text, Infinity);
        if (a !== null) checkInvariants(text, a);
      }),
      { numRuns: 20 },
    );
  });
});

describe('CLIP alignment on random text', () => {
  const tok = ClipTokenizer.fromJson(readFileSync(CLIP_FIXTURE_TOKENIZER_PATH, 'utf8'));

  it('gives every analysed word a position inside the context or -1, never a wrong-length sequence', () => {
    fc.assert(
      fc.property(messyText, (text) => {
        const a = analyseOrTypedError(text);
        if (a === null) return;
        const enc = tok.encode(a.text, { template: SD_REFERENCE_TEMPLATE });
        expect(enc.ids.length).toBe(77);
        expect(enc.words.length).toBe(a.words.length);
        for (const { first, last } of enc.words) {
          if (last === -1) continue;
          expect(first).toBeGreaterThanOrEqual(1);
          expect(last).toBeGreaterThanOrEqual(first);
          expect(last).toBeLessThanOrEqual(75);
        }
      }),
      { numRuns: 500 },
    );
  });
});
