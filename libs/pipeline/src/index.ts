// Public entry point; see README.md for what this project provides.
export {};
export type * from './ports/ref-diff-models';
export type {
  CocoRle,
  DirectionCue,
  ExpressionError,
  ExpressionResult,
  ImageCacheStats,
  Preset,
  ProposalScores,
  ProposalSource,
  RefDiff,
  RefDiffConfig,
  SegmentOptions,
  SegmentOverrides,
  SegmentResult,
} from './segment/segment.types';
