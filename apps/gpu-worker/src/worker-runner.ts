import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config/env';
import { createWorkerServer, type EngineSource, type WorkerServer } from './server/worker-server';
import { WorkerMetrics, startMetricsServer, type DeviceBusySource } from './server/worker-metrics';

export interface RunningWorker {
  /** host:port actually bound */
  readonly address: string;
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly server: WorkerServer;
  /** Drain (finish in-flight calls, at most the drain timeout) and close the metrics endpoint. */
  stop(): Promise<void>;
}

export function workerVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function hostOf(listen: string): string {
  return listen.slice(0, listen.lastIndexOf(':'));
}

/**
 * Starts the gRPC server (health NOT_SERVING), the metrics endpoint, then waits for the engine; logs one line
 * "SERVING" when ready. If the engine fails to load, shuts everything down and rethrows.
 */
export async function runWorker(
  config: WorkerConfig,
  deps: {
    logger: Logger;
    engine: EngineSource;
    version?: string;
    deviceBusy?: DeviceBusySource;
    /** after the drain (the engine disposed): release what the engine used, such as the CPU thread pool */
    onStopped?: () => Promise<void> | void;
  },
): Promise<RunningWorker> {
  const metrics = new WorkerMetrics({ defaultMetrics: true });
  if (deps.deviceBusy) metrics.bindDevice(deps.deviceBusy);
  const server = createWorkerServer({
    engine: deps.engine,
    logger: deps.logger,
    limits: config.limits,
    maxMessageBytes: config.grpc.maxMessageBytes,
    executionProvider: config.models.executionProvider,
    version: deps.version ?? workerVersion(),
    metrics,
  });
  const port = await server.listen(config.grpc.listen);
  const address = `${hostOf(config.grpc.listen)}:${port}`;
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : await startMetricsServer(metrics, config.metrics.host, config.metrics.port);
  deps.logger.info({ address, metricsPort: metricsServer?.port }, 'listening; loading models (health NOT_SERVING)');

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await server.drain(config.shutdown.drainTimeoutMs, config.shutdown.graceMs);
      await metricsServer?.close();
      await deps.onStopped?.();
    })());

  let engine;
  try {
    engine = await server.ready;
  } catch (err) {
    deps.logger.error({ err }, 'model pack failed to load');
    await stop();
    throw err;
  }
  deps.logger.info(
    {
      address,
      pack: engine.packName,
      packChecksum: engine.packChecksum,
      executionProvider: config.models.executionProvider,
      concurrency: config.limits.concurrency,
      maxQueue: config.limits.maxQueue,
      cpuThreads: config.cpu.threads,
      metricsPort: metricsServer?.port,
    },
    `SERVING on ${address}`,
  );
  return { address, port, metricsPort: metricsServer?.port, server, stop };
}

/**
 * SIGTERM/SIGINT: stop accepting, finish in-flight calls, exit 0. A second signal exits 1 at once, and so does
 * a shutdown still running after `hardDeadlineMs` (a stuck model call or log stream never keeps the process alive).
 */
export function exitOnSignals(
  worker: RunningWorker,
  logger: Logger,
  exit: (code: number) => void = process.exit,
  hardDeadlineMs = Number.POSITIVE_INFINITY,
) {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting without draining');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    if (Number.isFinite(hardDeadlineMs)) setTimeout(() => exit(1), hardDeadlineMs).unref();
    worker.stop().then(
      () => {
        logger.flush();
        exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        logger.flush();
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
