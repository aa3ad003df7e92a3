// The gpu-worker's gRPC contract: proto loading (same options as the generated types), the generated TS types,
// and a typed client with the hash-first image protocol. See proto/refdiff/worker/v1/worker.proto and docs/worker.md.
export {
  ERROR_CODE_METADATA_KEY,
  PROTO_INCLUDE_DIR,
  PROTO_LOADER_OPTIONS,
  REQUEST_ID_METADATA_KEY,
  SEGMENTATION_WORKER_SERVICE,
  WORKER_PROTO_FILE,
  workerPackageDefinition,
  workerProto,
} from './worker-proto';
export { WorkerCallError, createWorkerClient, poolTarget, sha256Hex, workerPoolChannelOptions } from './worker-client';
export type {
  SegmentCallOptions,
  SegmentCallResult,
  WorkerCallOptions,
  WorkerClient,
  WorkerClientOptions,
} from './worker-client';
export type * from './worker.types';
