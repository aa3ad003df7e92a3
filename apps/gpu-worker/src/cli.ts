import type { Command } from 'commander';

/** Registers `refdiff worker`. gRPC, the models and the engine load inside the action. */
export function registerWorkerCommands(program: Command): void {
  program
    .command('worker')
    .description(
      'serve Ref-Diff segmentation over gRPC (refdiff.worker.v1.SegmentationWorker, health, reflection) until ' +
        'SIGTERM; flags override the REFDIFF_* environment (docs/worker.md)',
    )
    .option('--listen <host:port>', 'gRPC address (env REFDIFF_WORKER_LISTEN, default 127.0.0.1:50051)')
    .option('--models <pack>', 'model pack directory (env REFDIFF_MODEL_PACK; default: the fixture pack)')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (env REFDIFF_METRICS_PORT)')
    .action(async (options: { listen?: string; models?: string; metricsPort?: string }) => {
      const { startWorker } = await import('./start-worker');
      await startWorker(process.env, {
        listen: options.listen,
        modelPack: options.models,
        metricsPort: options.metricsPort,
      });
      // The server now holds the event loop open; SIGTERM/SIGINT drain it and exit the process.
    });
}
