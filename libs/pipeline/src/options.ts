// @refdiff/pipeline/options: the shared option and expression rules without the image code (no sharp, no engine),
// for entries that only check requests or print help (the CLI's --help, the gateway).
export * from './segment/segment-options.rules';
export * from './segment/segment-options.table';
export type { BiasBranch, Preset, ProposalSource, SegmentOptions, SegmentOverrides, TextWeights } from './segment/segment.types';
