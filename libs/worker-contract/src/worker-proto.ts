import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './__generated__/worker';

/** The proto/ directory at the workspace root: the include path for `refdiff/worker/v1/worker.proto`. */
export const PROTO_INCLUDE_DIR = fileURLToPath(new URL('../../../proto', import.meta.url));
export const WORKER_PROTO_FILE = 'refdiff/worker/v1/worker.proto';
export const SEGMENTATION_WORKER_SERVICE = 'refdiff.worker.v1.SegmentationWorker';

/**
 * proto-loader options used at runtime by the server and the client. The `generate` script in package.json passes
 * the same ones to proto-loader-gen-types (--longs=Number --enums=String --defaults --oneofs); keep them in step.
 * Proto3 `optional` fields are synthetic oneofs, so `defaults` leaves them undefined when absent.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = Object.freeze({
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_INCLUDE_DIR],
});

/** Trailing-metadata key carrying the stable refdiff error code of a failed call (see worker.proto). */
export const ERROR_CODE_METADATA_KEY = 'refdiff-error-code';
/** Request-metadata key the worker reads its request id from. */
export const REQUEST_ID_METADATA_KEY = 'x-request-id';

let cached: { definition: protoLoader.PackageDefinition; grpcObject: ProtoGrpcType } | undefined;

function load() {
  if (!cached) {
    const definition = protoLoader.loadSync(WORKER_PROTO_FILE, PROTO_LOADER_OPTIONS);
    const grpcObject = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
    cached = { definition, grpcObject };
  }
  return cached;
}

/** The package definition (for server reflection). */
export function workerPackageDefinition(): protoLoader.PackageDefinition {
  return load().definition;
}

/** The loaded `refdiff.worker.v1` package: service constructors and the service definition. */
export function workerProto(): ProtoGrpcType['refdiff']['worker']['v1'] {
  return load().grpcObject.refdiff.worker.v1;
}
