// @refdiff/gpu-worker: the gRPC SegmentationWorker serving a RefDiff engine (docs/worker.md).
export { loadWorkerConfig, WorkerConfigError, type WorkerConfig, type WorkerConfigOverrides } from './config/env';
export { createWorkerServer, type EngineSource, type WorkerServer, type WorkerServerOptions } from './server/worker-server';
export { WorkerMetrics, startMetricsServer } from './server/worker-metrics';
export { runWorker, exitOnSignals, type RunningWorker } from './worker-runner';
export { startWorker } from './start-worker';
