import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Live values the gauges read at scrape time. */
export interface MetricsSources {
  queueDepth(): number;
  inFlight(): number;
  cache(): { entries: number; bytes: number; capacityBytes: number } | undefined;
}

/** Engine stages that are CPU work on the worker (no model call inside): their time is CPU time of the process. */
export const CPU_STAGES: readonly string[] = [
  'decode',
  'sdPreprocess',
  'samPreprocess',
  'clipPreprocess',
  'samPost',
  'text',
  'attention',
  'proposals',
  'mask',
];

/** Where the device busy figures come from (a DeviceBusyMeter around the engine's models). */
export interface DeviceBusySource {
  busySeconds(): number;
  busyRatioSinceLastRead(): number;
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
  readonly stageCpuSeconds: Counter<'stage'>;
  private sources: MetricsSources | undefined;
  private device: DeviceBusySource | undefined;

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
    this.stageCpuSeconds = new Counter({
      name: 'refdiff_worker_stage_cpu_seconds_total',
      help: `CPU seconds spent in the engine's CPU stages (${CPU_STAGES.join(', ')}), per stage`,
      labelNames: ['stage'],
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
    let busyReported = 0;
    const busy: Counter = new Counter({
      name: 'refdiff_worker_device_busy_seconds_total',
      help: 'Seconds during which at least one model call was in flight (the device had work)',
      registers,
      collect: () => {
        const now = this.device?.busySeconds() ?? 0;
        if (now > busyReported) busy.inc(now - busyReported);
        busyReported = Math.max(busyReported, now);
      },
    });
    gauge(
      'refdiff_worker_device_busy_ratio',
      'Device busy time ÷ wall time since the previous scrape: how well the CPU stages keep the device fed',
      () => this.device?.busyRatioSinceLastRead() ?? 0,
    );
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'refdiff_worker_' });
  }

  bind(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** Where the device busy gauges read from (the DeviceBusyMeter wrapped around the engine's models). */
  bindDevice(device: DeviceBusySource): void {
    this.device = device;
  }

  /** Records stage timings given in milliseconds (the engine's timingsMs; a key's `Ms` suffix is dropped). */
  observeStages(timingsMs: Readonly<Record<string, number>>): void {
    for (const [key, ms] of Object.entries(timingsMs)) {
      if (!(Number.isFinite(ms) && ms >= 0)) continue;
      const stage = key.replace(/Ms$/, '');
      this.stageSeconds.observe({ stage }, ms / 1000);
      if (CPU_STAGES.includes(stage)) this.stageCpuSeconds.inc({ stage }, ms / 1000);
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
