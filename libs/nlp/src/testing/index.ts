// Test support for @refdiff/nlp consumers: the fixture CLIP tokenizer.json (small, real byte-level BPE).
export {
  buildClipFixtureTokenizer,
  bytesToUnicode,
  clipFixtureTokenizerJson,
  CLIP_SPLIT_REGEX,
  FIXTURE_CORPUS,
  type FixtureTokenizerOptions,
} from './clip-fixture-tokenizer';

/** Path of the committed fixture tokenizer.json (equal to clipFixtureTokenizerJson(), checked by a test). */
export const CLIP_FIXTURE_TOKENIZER_PATH = new URL('./clip-tokenizer.fixture.json', import.meta.url);
