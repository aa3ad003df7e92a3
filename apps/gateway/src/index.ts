// Public entry point of @refdiff/gateway: start a gateway in-process (tests, embedding) or read its config.
export { loadConfig, type GatewayConfig } from './env';
export { serve, banner, type ServeHandle } from './serve';
export { startGateway, type GatewayRuntime, type GatewayRuntimeOptions } from './runtime';
export { openPglite, openPostgres, type Database } from './db/database';
export { migrateDeploy } from './db/migrate';
export type { WorkerPool, WorkerTask, WorkerReply, WorkerState } from './dispatch/worker-pool';
export { GrpcWorkerPool } from './dispatch/grpc-worker-pool';
