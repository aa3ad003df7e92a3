// @refdiff/nlp — referring-expression analysis (root word, subject, direction cues) and CLIP token alignment.
export {
  analyze,
  DEFAULT_MAX_LENGTH,
  type Analysis,
  type AnalyzeOptions,
  type AnalyzedWord,
  type WordRef,
} from './analyze/analyze';
export {
  DIRECTION_FORMS,
  DIRECTION_TYPOS,
  findDirections,
  type DirectionCue,
  type DirectionCueKind,
} from './analyze/directions';
export type { Tag } from './analyze/tagger';
export { splitWords, trimWhitespace, type Word } from './analyze/words';
export {
  alignWord,
  ClipTokenizer,
  CLIP_CONTEXT_LENGTH,
  encodeForClip,
  IDENTITY_TEMPLATE,
  SD_REFERENCE_TEMPLATE,
  type ClipEncodeOptions,
  type ClipEncoding,
  type PromptTemplate,
} from './clip/clip-tokenizer';
export {
  EmptyExpressionError,
  ExpressionTooLongError,
  InvalidArgumentError,
  NlpError,
  TokenizerMismatchError,
  type NlpErrorCode,
} from './errors/nlp.errors';
