import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze/analyze';
import { ExpressionTooLongError, InvalidArgumentError, TokenizerMismatchError } from '../errors/nlp.errors';
import { buildClipFixtureTokenizer, clipFixtureTokenizerJson } from '../testing/clip-fixture-tokenizer';
import { CLIP_FIXTURE_TOKENIZER_PATH } from '../testing/index';
import { alignWord, ClipTokenizer, encodeForClip, SD_REFERENCE_TEMPLATE } from './clip-tokenizer';

const json = readFileSync(CLIP_FIXTURE_TOKENIZER_PATH, 'utf8');
const tok = ClipTokenizer.fromJson(json);
const sd = { template: SD_REFERENCE_TEMPLATE };

describe('fixture tokenizer.json', () => {
  it('is the committed output of the deterministic generator', () => {
    expect(json).toBe(clipFixtureTokenizerJson());
  });

  it('has CLIP’s layout: 256 byte symbols, the same with </w>, merges, then start and end as the last ids', () => {
    const parsed = JSON.parse(json) as { model: { vocab: Record<string, number>; merges: string[] } };
    const vocab = parsed.model.vocab;
    const size = Object.keys(vocab).length;
    expect(vocab['!']).toBe(0);
    expect(vocab['!</w>']).toBe(256);
    expect(size).toBe(512 + parsed.model.merges.length + 2);
    expect(tok.startId).toBe(size - 2);
    expect(tok.endId).toBe(size - 1);
  });

  it('encodes through BPE merges with the </w> suffix and lower-cases', () => {
    expect(tok.tokens('MAN')).toEqual(['man</w>']);
    expect(tok.tokens('woman')).toEqual(['wo', 'man</w>']);
    // a word outside the training corpus falls apart into several pieces
    expect(tok.tokens('skateboarder').length).toBeGreaterThan(3);
    expect(tok.tokens('skateboarder').at(-1)).toMatch(/<\/w>$/);
    expect(tok.tokens('left,')).toEqual(['left</w>', ',</w>']);
  });
});

describe('alignWord', () => {
  it('points at the last piece of the word, start token at 0, for the SD prompt template', () => {
    // "a" "woman" = wo + man, "next" "to" "a" "man"
    const text = 'a woman next to a man';
    expect(alignWord(tok, text, 1, sd)).toBe(3); // start, a, wo, [man]
    expect(alignWord(tok, text, 5, sd)).toBe(7); // … a, [man]
    // the same token id sits at both positions: only word boundaries tell "man" from "woman"
    const ids = encodeForClip(tok, text, sd);
    expect(ids[3]).toBe(ids[7]);
  });

  it('skips punctuation pieces and counts multi-piece words', () => {
    const text = 'skateboarder, on the LEFT!';
    const pieces = tok.pieces('skateboarder').length;
    expect(alignWord(tok, text, 0, sd)).toBe(pieces); // last piece of the word, not the comma
    expect(alignWord(tok, text, 1, sd)).toBe(pieces + 2); // start + pieces + "," → "on"
    expect(alignWord(tok, text, 3, sd)).toBe(pieces + 4); // "left" before "!"
  });

  it('uses the words analyze() numbers: the root index maps to its own token', () => {
    const text = 'the woman next to the man on the left';
    const a = analyze('the man next to the woman');
    expect(a.root).toEqual({ index: 1, word: 'man' });
    const position = alignWord(tok, text, 1, sd);
    expect(tok.encode(text, sd).ids[position]).toBe(tok.pieces('man')[0]);
    expect(position).toBe(3); // start, the, wo, [man]
  });

  it('rejects word indices outside the text', () => {
    expect(() => alignWord(tok, 'a man', 2)).toThrow(InvalidArgumentError);
    expect(() => alignWord(tok, 'a man', -1)).toThrow(/word index -1/);
    expect(() => alignWord(tok, 'a man', 0.5)).toThrow(InvalidArgumentError);
  });

  it('throws ExpressionTooLongError for a word whose last piece is truncated, never a truncated position', () => {
    const text = `${'man '.repeat(80)}zebra`;
    expect(alignWord(tok, text, 74, sd)).toBe(75); // the last position before the end token
    expect(() => alignWord(tok, text, 75, sd)).toThrow(ExpressionTooLongError);
    expect(() => alignWord(tok, text, 80, sd)).toThrow(/beyond CLIP's context/);
  });
});

describe('encodeForClip', () => {
  it('returns 77 ids: start, pieces, end, then padding with the end id', () => {
    const ids = encodeForClip(tok, 'left guy', sd);
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBe(77);
    const pieces = [...tok.pieces('left'), ...tok.pieces('guy'), ...tok.pieces(',')];
    expect(Array.from(ids.slice(0, pieces.length + 2))).toEqual([tok.startId, ...pieces, tok.endId]);
    expect(ids.slice(pieces.length + 2).every((id) => id === tok.endId)).toBe(true);
  });

  it('encodes the empty (unconditional) prompt as start, end, padding', () => {
    const ids = encodeForClip(tok, '');
    expect(Array.from(ids.slice(0, 3))).toEqual([tok.startId, tok.endId, tok.endId]);
    expect(tok.encode('   ').words).toEqual([]);
  });

  it('truncates like Hugging Face (start, 75 pieces, end) and reports it', () => {
    const enc = tok.encode('man '.repeat(100), sd);
    expect(enc.truncated).toBe(true);
    expect(enc.length).toBe(77);
    expect(enc.ids[0]).toBe(tok.startId);
    expect(enc.ids[76]).toBe(tok.endId);
    expect(enc.words[74]).toEqual({ first: 75, last: 75 });
    expect(enc.words[75]).toEqual({ first: -1, last: -1 });
  });

  it('equals encoding the whole prompt, and each word maps to the pieces of its core', () => {
    const words = ['man', 'woman', 'left,', 'RIGHT', "it's", 'top-left', '2nd', '😀', 'café', '(red)', 'x', '...'];
    const core = (w: string): string => w.replace(/^[^\p{L}\p{M}\p{N}]+|[^\p{L}\p{M}\p{N}]+$/gu, '') || w;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 12 }), (picked) => {
        const text = picked.join(' ');
        const whole = tok.pieces(`${text}, `);
        expect(Array.from(tok.encode(text, sd).ids.slice(1, 1 + whole.length))).toEqual(whole);
        const enc = tok.encode(text);
        picked.forEach((w, i) => {
          const { first, last } = enc.words[i];
          expect(Array.from(enc.ids.slice(first, last + 1))).toEqual(tok.pieces(core(w)));
        });
      }),
    );
  });

  it('aligns a word to its letters, not to punctuation glued to it or to the template', () => {
    expect(alignWord(tok, 'WHITE COW, FRONT MOST', 1, sd)).toBe(2); // "cow", not ","
    expect(alignWord(tok, 'the man on the left.', 4, sd)).toBe(5); // "left", not ".,"
    expect(alignWord(tok, '(red)', 0)).toBe(2); // "(", [red], ")"
  });

  it('a punctuation-only word joined to the template\'s ", " ends at the piece holding its last character', () => {
    // CLIP's vocabulary has word-final merges such as "..</w>": alone ".." is one piece, but in the prompt chunk
    // "..," (the template's ", " joins it) it is ".", "." before ",</w>" — the word must end on the second "."
    const t = buildClipFixtureTokenizer() as { model: { vocab: Record<string, number>; merges: string[] } };
    let id = 10_000;
    const merge = (a: string, b: string) => {
      t.model.merges.push(`${a} ${b}`);
      t.model.vocab[a + b] = id++;
    };
    merge('.', '.</w>');
    merge('!', '!');
    merge('!!', '!</w>');
    const bpe = ClipTokenizer.fromJson(t);
    expect(bpe.tokens('..')).toEqual(['..</w>']);
    expect(bpe.tokens('the dog .., ')).toEqual(['the</w>', 'd', 'o', 'g</w>', '.', '.', ',</w>']);
    expect(bpe.encode('the dog ..', sd).words[2]).toEqual({ first: 5, last: 6 });
    // "!!!" alone is "!!!</w>"; in "!!!," it is "!!", "!" — the word ends on "!", not on "!!"
    expect(bpe.tokens('!!!')).toEqual(['!!!</w>']);
    expect(bpe.tokens('a man !!!, ')).toEqual(['a</w>', 'man</w>', '!!', '!', ',</w>']);
    expect(bpe.encode('a man !!!', sd).words[2]).toEqual({ first: 3, last: 4 });
    // the words before are untouched, and without the template the word is its own pieces
    expect(bpe.encode('the dog ..', sd).words.slice(0, 2)).toEqual([
      { first: 1, last: 1 },
      { first: 2, last: 4 },
    ]);
    expect(bpe.encode('a man !!!').words[2]).toEqual({ first: 3, last: 3 });
  });

  it('points at the piece holding the last letter when a template glues text onto the word', () => {
    const glued = tok.encode('a man', { template: (t) => `${t}s` });
    const mans = tok.pieces('mans');
    expect(glued.words[1].last).toBeLessThanOrEqual(1 + 1 + mans.length); // inside "mans", never beyond it
    expect(() => tok.encode('a man', { template: () => 'something else' })).toThrow(InvalidArgumentError);
  });

  it('refuses a tokenizer whose pre-tokeniser keeps white space in tokens (GPT-2 style)', () => {
    const gpt2ish = buildClipFixtureTokenizer();
    gpt2ish.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
    const other = ClipTokenizer.fromJson(gpt2ish);
    expect(() => other.encode('a man on the left')).toThrow(TokenizerMismatchError);
  });
});

describe('ClipTokenizer.fromJson', () => {
  it('accepts the parsed object and the text alike', () => {
    const fromObject = ClipTokenizer.fromJson(buildClipFixtureTokenizer());
    expect(Array.from(encodeForClip(fromObject, 'left guy'))).toEqual(Array.from(encodeForClip(tok, 'left guy')));
  });

  it('names what is wrong with a bad tokenizer.json', () => {
    expect(() => ClipTokenizer.fromJson('{not json')).toThrow(/not valid JSON/);
    expect(() => ClipTokenizer.fromJson('{}')).toThrow(/no "model" section/);
    const noSpecial = buildClipFixtureTokenizer() as { added_tokens: unknown[]; model: { vocab: Record<string, number> } };
    noSpecial.added_tokens = [];
    delete noSpecial.model.vocab['<|startoftext|>'];
    expect(() => ClipTokenizer.fromJson(noSpecial)).toThrow(/<\|startoftext\|>/);
  });
});
