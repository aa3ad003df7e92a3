// Public entry point of @refdiff/pipeline: the model-free parts of Ref-Diff as pure typed-array functions,
// plus the contracts (ports, segment types) the models and the engine implement.
export type * from './ports/ref-diff-models';
export type * from './ports/sam-post-processor';
export { SamPostJob, inlineSamPostProcessor } from './segment/sam-post';
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
  BiasBranch,
  TextWeights,
} from './segment/segment.types';

export { PipelineError, type PipelineErrorCode } from './errors/pipeline.errors';

export type { RgbImage } from './image/rgb-image';
export { decodeImage } from './image/image-decode';
export { resizeImage, type ImageKernel } from './image/image-resize';
export { linearTaps, resizeBilinear, type LinearTaps } from './image/bilinear-resize';
export { padToSquare, cropSquareMap, squarePlacement, type SquarePlacement } from './image/square-pad';
export { toSdPixels, toClipPixels, toSamPixels, CLIP_MEAN, CLIP_STD, SAM_MEAN, SAM_STD } from './image/image-normalize';
export { prepareSdInput, type SdInput } from './image/sd-input';
export { prepareSamInput, samResizedSize, padPlanesBottomRight, type SamInput } from './image/sam-input';

export {
  aggregateAttention,
  minMaxNormalize,
  type AttentionAggregateOptions,
  type AttentionGuidance,
  type AttentionMap,
} from './attention/attention-aggregate';
export { attentionToImage } from './attention/attention-to-image';

export {
  weightFreeProposals,
  weightFreeMask,
  WEIGHT_FREE_LEVELS,
  type ThresholdMode,
  type WeightFreeProposals,
} from './proposals/weight-free-proposals';
export { generativeScores, generativeScoresFromRuns, maskRuns } from './proposals/generative-score';

export { samGeometry, samPointGrid, type SamGeometry } from './sam/sam-geometry';
export { SamMaskUpscaler, composeAxis, type ComposedAxis, type UpscaleStats } from './sam/mask-upscale';
export { SamRunUpscaler, type LowResWindow } from './sam/run-upscale';
export { boxIou, boxNms } from './sam/box-nms';
export {
  SamMaskGenerator,
  SAM_AMG_DEFAULTS,
  stabilityScore,
  type SamAmgSettings,
  type SamCandidate,
} from './sam/sam-mask-generator';
export { filterProposals, fullImageMask } from './sam/proposal-filter';

export { positionalBias, type PositionalBiasMode } from './clip/positional-bias';
export { maskedClipCrop, type ClipCropMode } from './clip/clip-crop';
export { clipPatchMasks } from './clip/patch-masks';

export { l2NormalizeRows, textTarget, regionScores } from './scoring/discriminative-score';
export {
  fuseScores,
  argmax,
  PAPER_FUSION,
  REFERENCE_FUSION,
  type FusionPreset,
  type ProposalScoreInputs,
} from './scoring/score-fusion';

export { maskArea, maskBox, maskOverlap, maskIou, type MaskOverlap } from './masks/binary-mask';
export { encodeRle, decodeRle, rleArea, rleCounts, rleCountsToString, rleStringToCounts } from './masks/coco-rle';
export { encodeMaskPng, encodeOverlayPng, overlayMask, type OverlayOptions } from './masks/mask-png';

export {
  scoreMask,
  summarizeMetrics,
  PRECISION_THRESHOLDS,
  type ExpressionScore,
  type SegmentationMetrics,
} from './metrics/segmentation-metrics';

export { alphasCumprod, ddimTimesteps, img2imgPlan, addNoise, ddimStep, cfgCombine } from './diffusion/ddim-schedule';
export { createUniformRng, gaussianNoise } from './diffusion/gaussian-rng';

// The whole method (issue 6): createRefDiff binds it to a model pack; the dataset format for evaluation.
export { createRefDiff } from './segment/ref-diff';
export {
  resolveSettings,
  minAreaFor,
  packLimitsOf,
  DEFAULT_CLIP_MAX_SIDE,
  DEFAULT_MIN_AREA_RATIO,
  REFERENCE_MIN_AREA_RATIO,
  type ResolvedSettings,
} from './segment/segment-presets';
// The one validation of request options and expressions, shared by the engine, the worker, the gateway and the CLI.
export {
  checkSegmentOptions,
  formatOptionIssues,
  OPTION_BOUNDS,
  OPTION_VALUES,
  PRESET_DEFAULTS,
  type MergedOptions,
  type OptionIssue,
  type PackLimits,
  type PresetDefaults,
} from './segment/segment-options.rules';
export {
  cliOptionFlag,
  graphqlOptionField,
  grpcOptionField,
  OPTION_TABLE,
  optionTableMarkdown,
  type OptionRow,
} from './segment/segment-options.table';
export { checkExpression, MAX_EXPRESSION_CHARS, TextFrontEnd, type ExpressionIssue } from './segment/expression-text';
export { SUPPORTED_IMAGE_FORMATS, sha256Hex } from './segment/image-gate';
export {
  parseDatasetIndex,
  formatDatasetIndex,
  formatDatasetSample,
  validateDatasetSample,
  relativePathProblem,
  type DatasetSample,
  type DatasetLineError,
  type ParsedDatasetIndex,
} from './dataset/dataset-index';
export {
  cocoSegmentationToMask,
  rleCountsFromPolygon,
  rleCountsFromString,
  rleCountsToMask,
  type CocoSegmentation,
} from './dataset/coco-segmentation';
export {
  planRefcocoImport,
  refcocoMask,
  normaliseRefs,
  type RefcocoImportPlan,
  type RefcocoSentenceSample,
  type CocoAnnotation,
  type CocoImageInfo,
  type ReferRef,
} from './dataset/refcoco-import';
export {
  A100_PROFILE,
  DEVICE_PROFILES,
  SimulatedDevice,
  recordModels,
  replayModels,
  type DeviceCall,
  type DeviceProfile,
  type ModelRecording,
} from './bench/replay-models';
