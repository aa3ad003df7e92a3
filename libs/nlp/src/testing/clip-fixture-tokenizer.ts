/**
 * A small but real CLIP-style tokenizer.json for tests and fixture packs: byte-level alphabet (GPT-2's
 * bytes_to_unicode order), the same alphabet with the `</w>` end-of-word suffix, merges learned by plain BPE
 * training on a small referring-expression corpus, then `<|startoftext|>` and `<|endoftext|>` as the last two ids —
 * the layout of openai/clip-vit-base-patch16's tokenizer.json, with its normaliser (NFC, collapse white space,
 * lower-case), pre-tokeniser (CLIP's split regex + byte-level) and RoBERTa-style post-processor.
 * Deterministic: the same corpus and merge count always give the same file.
 */

/** GPT-2 / CLIP byte → printable character table, in vocabulary order. */
export function bytesToUnicode(): [number, string][] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  return bs.map((b, i) => [b, String.fromCodePoint(cs[i])]);
}

/** CLIP's pre-tokenisation regex (from its tokenizer.json). */
export const CLIP_SPLIT_REGEX = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

export const FIXTURE_CORPUS = `
the man on the left . the man in the red shirt . a man holding a bat . man sitting on a bench .
the man next to the man . a man with a hat . man . man . man on right . tall man . old man .
a woman in white . two wooden benches . two women on the right . the wooden table .
the person on the left side of the table , next to a tree . left guy . guy in red . the guy on the far left .
the zebra on the right . a zebra . white cow . the cow . red shirt . blue shirt . a shirt .
the second from the left . top left corner . the bottom right corner . the middle one . the center .
the table . the tree . a bench . a hat . a bat . the red car . the car on the right .
`;

export interface FixtureTokenizerOptions {
  corpus?: string;
  /** number of merges to learn at most; training also stops when no pair occurs twice */
  merges?: number;
}

/** Learns BPE merges on the corpus and returns the tokenizer.json object. */
export function buildClipFixtureTokenizer(options: FixtureTokenizerOptions = {}): Record<string, unknown> {
  const corpus = (options.corpus ?? FIXTURE_CORPUS).normalize('NFC').toLowerCase();
  const maxMerges = options.merges ?? 120;
  const table = bytesToUnicode();
  const byteChar = new Map(table);
  const encoder = new TextEncoder();

  // word (as byte-level symbols, last one with </w>) → count
  const counts = new Map<string, number>();
  for (const piece of corpus.match(new RegExp(CLIP_SPLIT_REGEX, 'gu')) ?? []) {
    const chars = Array.from(encoder.encode(piece), (b) => byteChar.get(b) as string);
    chars[chars.length - 1] += '</w>';
    const key = chars.join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let words = [...counts].map(([key, count]) => ({ symbols: key.split(' '), count }));

  const vocab: string[] = table.map(([, c]) => c);
  for (const [, c] of table) vocab.push(`${c}</w>`);
  const merges: string[] = [];
  for (let m = 0; m < maxMerges; m++) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const pair = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(pair, (pairs.get(pair) ?? 0) + count);
      }
    }
    let best = '';
    let bestCount = 1;
    for (const [pair, count] of pairs) {
      if (count > bestCount || (count === bestCount && count > 1 && pair < best)) {
        best = pair;
        bestCount = count;
      }
    }
    if (best === '') break;
    const [a, b] = best.split(' ');
    merges.push(best);
    vocab.push(a + b);
    words = words.map(({ symbols, count }) => {
      const out: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
          out.push(a + b);
          i++;
        } else {
          out.push(symbols[i]);
        }
      }
      return { symbols: out, count };
    });
  }
  const startId = vocab.length;
  const endId = vocab.length + 1;
  const vocabObject: Record<string, number> = {};
  vocab.forEach((token, id) => {
    vocabObject[token] = id;
  });
  vocabObject['<|startoftext|>'] = startId;
  vocabObject['<|endoftext|>'] = endId;
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(startId, '<|startoftext|>'), special(endId, '<|endoftext|>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT_REGEX }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: ['<|endoftext|>', endId],
      cls: ['<|startoftext|>', startId],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab: vocabObject,
      merges,
    },
  };
}

/** The fixture tokenizer.json as text (what a model pack carries). */
export function clipFixtureTokenizerJson(options: FixtureTokenizerOptions = {}): string {
  return `${JSON.stringify(buildClipFixtureTokenizer(options), null, 2)}\n`;
}
