// @refdiff/models: model packs (manifest, the onnxruntime-node adapter, pack preparation, inspection).
export { HubError, ModelMemoryError, ModelPackError, ModelRuntimeError, type HubErrorCode, type ModelPackErrorCode, type ModelRuntimeErrorCode } from './errors';
export * from './manifest/manifest.schema';
export { parseManifest, readManifest, serializeManifest, checkPackFiles, verifyPackFiles, sha256File, type VerifyMode, type FileCheck } from './manifest/manifest-io';
export { createOnnxRuntime, CUDA_HELP } from './runtime/onnx-runtime';
export type * from './runtime/runtime.types';
export { loadPack, packConstants, type LoadPackOptions } from './pack/load-pack';
export { PackModels, type CallRole } from './pack/pack-models';
export { ATTENTION_COPIES, largestAttention, parseByteSize } from './pack/memory-preflight';
export { preparePack, DEFAULT_CONSTANTS, PREPARE_REVISION, type PreparePackOptions } from './prepare/prepare-pack';
export type { AttentionKind } from './prepare/unet-surgery';
export * from './fixture/index';
export { pullExports, type PullExportsOptions, type PullResult, type PulledRepo, type RepoRef } from './pull/pull-exports';
export { DEFAULT_REPOS, type PullRole } from './pull/export-files';
