import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Live values the gauges read at scrape time. */
export interface MetricsSources {
  queueDepth(): number;
  inFlight(): number;
  cache(): { entries: number; bytes: number; capacityBytes: number } | undefined;
}

/** The worker's Prometheus metrics, in their own registry (no global state). Names in docs/worker.md. */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'code'>;
  readonly requestSeconds: Histogram<'method'>;
  readonly stageSeconds: Histogram<'stage'>;
  readonly imageCache: Counter<'result'>;
  readonly modelCalls: Counter<'role'>;
  readonly expressions: Counter<'outcome'>;
  private sources: MetricsSources | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'refdiff_worker_requests_total',
      help: 'RPCs served, by method and final gRPC status name',
      labelNames: ['method', 'code'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'refdiff_worker_request_duration_seconds',
      help: 'RPC latency from arrival to answer, queue wait included',
      labelNames: ['method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.stageSeconds = new Histogram({
      name: 'refdiff_worker_stage_duration_seconds',
      help: 'Pipeline stage latency (queue wait, image-side and per-expression stages reported by the engine)',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.imageCache = new Counter({
      name: 'refdiff_worker_image_cache_requests_total',
      help: 'Segment calls whose image-side state was (hit) or was not (miss) in the image cache',
      labelNames: ['result'],
      registers,
    });
    this.modelCalls = new Counter({
      name: 'refdiff_worker_model_calls_total',
      help: 'Model calls made by Segment, per model role',
      labelNames: ['role'],
      registers,
    });
    this.expressions = new Counter({
      name: 'refdiff_worker_expressions_total',
      help: 'Expressions segmented, by outcome (ok or error)',
      labelNames: ['outcome'],
      registers,
    });
    const gauge = (name: string, help: string, read: () => number) => {
      const g: Gauge = new Gauge({ name, help, registers, collect: () => g.set(read()) });
    };
    gauge('refdiff_worker_queue_depth', 'Segment calls waiting for a slot', () => this.sources?.queueDepth() ?? 0);
    gauge('refdiff_worker_in_flight', 'Segment calls running in the engine', () => this.sources?.inFlight() ?? 0);
    gauge('refdiff_worker_image_cache_bytes', 'Bytes held by the image cache', () => this.sources?.cache()?.bytes ?? 0);
    gauge(
      'refdiff_worker_image_cache_entries',
      'Images held by the image cache',
      () => this.sources?.cache()?.entries ?? 0,
    );
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'refdiff_worker_' });
  }

  bind(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** Records stage timings given in milliseconds (the engine's timingsMs; a key's `Ms` suffix is dropped). */
  observeStages(timingsMs: Readonly<Record<string, number>>): void {
    for (const [key, ms] of Object.entries(timingsMs)) {
      if (Number.isFinite(ms) && ms >= 0) this.stageSeconds.observe({ stage: key.replace(/Ms$/, '') }, ms / 1000);
    }
  }
}

/** Serves GET /metrics on host:port (port 0 = any free port); resolves with the bound port. */
export async function startMetricsServer(
  metrics: WorkerMetrics,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found; metrics are at /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
