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

  const bench =
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks of the refdiff components (medians, milliseconds)');
  bench
    .command('worker')
    .description(
      'drive a real gRPC worker whose models replay the fixture pack with simulated GPU latency: gpuUtilisation, ' +
        'images/s, expressions/s, p50/p95 at each concurrency (docs/performance.md)',
    )
    .requiredOption('--simulate <device>', 'device profile of the simulated GPU (a100)')
    .option('--json', 'print one JSON object')
    .option('--images <n>', 'distinct COCO-sized synthetic images (recorded once each)', '3')
    .option('--expressions <n>', 'expressions per request', '3')
    .option('--concurrency <list>', 'concurrent images to measure', '1,2,4,8')
    .option('--requests <n>', 'requests per concurrency level (default 4 × level + 4)')
    .option('--cpu-threads <list>', "CPU pool sizes to compare (0 = SAM post-processing inline); default 0 and the worker's default (at least 1)")
    .action(async (options: { simulate: string; json?: boolean; images: string; expressions: string; concurrency: string; requests?: string; cpuThreads?: string }) => {
      const int = (name: string, v: string, max: number) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be an integer in [1, ${max}], got '${v}'`);
        return n;
      };
      const { runWorkerBench } = await import('./bench/worker-bench');
      const { loadWorkerConfig, defaultCpuThreads } = await import('./config/env');
      const threads = (options.cpuThreads ?? `0,${Math.max(1, defaultCpuThreads())}`).split(',').map((t) => {
        const n = Number(t.trim());
        if (!Number.isInteger(n) || n < 0 || n > 64) throw new Error(`--cpu-threads must list integers in [0, 64], got '${options.cpuThreads}'`);
        return n;
      });
      const { pino } = await import('pino');
      const result = await runWorkerBench({
        simulate: options.simulate,
        images: int('images', options.images, 32),
        expressions: int('expressions', options.expressions, 64),
        concurrency: options.concurrency.split(',').map((c) => int('concurrency', c.trim(), 64)),
        cpuThreads: threads,
        requests: options.requests === undefined ? undefined : int('requests', options.requests, 10_000),
        cacheDir: loadWorkerConfig(process.env).models.cacheDir,
        logger: pino({ level: options.json ? 'silent' : 'info' }, process.stderr),
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(`simulated ${result.simulate}: ${result.images.count} images (${result.images.sizes.join(', ')}), ${result.images.expressionsPerRequest} expressions a request\n`);
      process.stdout.write(
        `device time a request ${result.deviceMsPerRequest} ms; an additional expression on a cached image: ` +
          `CPU ${result.extraCpuPerExpressionMs} ms (rounds ${result.extraCpuPerExpressionRoundsMs.join(', ')}), device ${result.extraDeviceMsPerExpression} ms\n`,
      );
      process.stdout.write(`stage CPU (ms): ${JSON.stringify(result.stageCpuMs)}\n`);
      for (const l of result.levels) {
        process.stdout.write(
          `  ${String(l.concurrency).padStart(2)} in flight, ${l.cpuThreads} CPU threads: gpu ${l.gpuUtilisation.toFixed(2)}  cpu ${l.cpuUtilisation.toFixed(2)}  ${l.imagesPerSecond.toFixed(2)} img/s  ${l.expressionsPerSecond.toFixed(2)} expr/s  p50 ${l.p50Ms} ms  p95 ${l.p95Ms} ms\n`,
        );
      }
      process.stdout.write(`load average ${result.loadAverage.join(' ')}\n`);
    });
}
