/**
 * The gateway's Prometheus metrics (prom-client, as the worker's; names in docs/gateway.md, "Metrics"), in their own
 * registry. Queue figures are read from the database at scrape time (one indexed query, cached briefly), so every
 * replica reports the same, correct queue; counters and histograms are this replica's own (sum them across replicas).
 * Tenant labels are tenant ids (never names), at most `tenantLabels` of them per process; the rest count as "other".
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The queue as the database sees it (all replicas together). */
export interface QueueSnapshot {
  queued: number;
  /** Queued rows whose retry backoff has passed (claimable now). */
  queuedDue: number;
  running: number;
  /** Seconds since the oldest queued row was created; 0 when nothing is queued. */
  oldestQueuedAgeSeconds: number;
}

export interface QueueSource {
  snapshot(): Promise<QueueSnapshot>;
}

export interface PoolSource {
  state(): readonly { healthy: boolean; maxConcurrent: number | null }[];
}

export interface GatewayMetricsOptions {
  /** Most distinct tenant ids given their own label value (METRICS_TENANT_LABELS); later tenants count as "other". */
  tenantLabels?: number;
  /** How long a queue snapshot is reused across scrapes (ms). */
  queueCacheMs?: number;
  defaultMetrics?: boolean;
}

export const OTHER_TENANTS = 'other';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly tenantRequests: Counter<'tenant' | 'surface'>;
  readonly tenantExpressions: Counter<'tenant'>;
  readonly results: Counter<'outcome'>;
  readonly retries: Counter<'code'>;
  readonly dispatchSeconds: Histogram<'outcome'>;
  readonly queueWaitSeconds: Histogram;
  private readonly tenantLabels: number;
  private readonly labelled = new Set<string>();
  private queue: QueueSource | undefined;
  private pool: PoolSource | undefined;
  private readonly queueCacheMs: number;
  private cached: { at: number; value: Promise<QueueSnapshot> } | undefined;

  constructor(options: GatewayMetricsOptions = {}) {
    this.tenantLabels = Math.max(0, options.tenantLabels ?? 20);
    this.queueCacheMs = options.queueCacheMs ?? 1_000;
    const registers = [this.registry];
    this.tenantRequests = new Counter({
      name: 'refdiff_gateway_tenant_requests_total',
      help: 'Authenticated API requests per tenant id (bounded: the first METRICS_TENANT_LABELS tenants seen, the rest as "other") and surface (graphql, rest)',
      labelNames: ['tenant', 'surface'],
      registers,
    });
    this.tenantExpressions = new Counter({
      name: 'refdiff_gateway_tenant_expressions_total',
      help: 'Expressions queued by segment, per tenant id (bounded as refdiff_gateway_tenant_requests_total)',
      labelNames: ['tenant'],
      registers,
    });
    this.results = new Counter({
      name: 'refdiff_gateway_results_total',
      help: 'Segmentation results recorded by this replica, by outcome (succeeded, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.retries = new Counter({
      name: 'refdiff_gateway_dispatch_retries_total',
      help: 'Requests put back in the queue after a retryable worker failure, by error code',
      labelNames: ['code'],
      registers,
    });
    this.dispatchSeconds = new Histogram({
      name: 'refdiff_gateway_dispatch_duration_seconds',
      help: 'One worker call (a batch of expressions of one image), from dispatch to answer, by outcome (ok, error)',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.queueWaitSeconds = new Histogram({
      name: 'refdiff_gateway_queue_wait_seconds',
      help: 'From a request being queued to a replica claiming it (each attempt)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    const fromQueue = (name: string, help: string, labelNames: string[], set: (g: Gauge, s: QueueSnapshot) => void) => {
      const g: Gauge = new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect: async () => {
          if (!this.queue) return;
          set(g, await this.snapshot());
        },
      });
    };
    fromQueue(
      'refdiff_gateway_queue_depth',
      'Segmentation requests in the queue (all replicas, from the database), by status (queued, queued_due, running)',
      ['status'],
      (g, s) => {
        g.set({ status: 'queued' }, s.queued);
        g.set({ status: 'queued_due' }, s.queuedDue);
        g.set({ status: 'running' }, s.running);
      },
    );
    fromQueue(
      'refdiff_gateway_queue_oldest_age_seconds',
      'Age of the oldest queued request (all replicas, from the database); 0 when none is queued',
      [],
      (g, s) => g.set(s.oldestQueuedAgeSeconds),
    );
    const workers: Gauge = new Gauge({
      name: 'refdiff_gateway_workers',
      help: "Workers this replica knows, by health (healthy, unhealthy); every replica sees the same pool, so use max() across replicas",
      labelNames: ['state'],
      registers,
      collect: () => {
        const s = this.pool?.state() ?? [];
        const healthy = s.filter((w) => w.healthy).length;
        workers.set({ state: 'healthy' }, healthy);
        workers.set({ state: 'unhealthy' }, s.length - healthy);
      },
    });
    const capacity: Gauge = new Gauge({
      name: 'refdiff_gateway_worker_capacity',
      help: 'Concurrent calls the healthy workers accept (sum of their maxConcurrent), as this replica sees them',
      registers,
      collect: () => {
        capacity.set((this.pool?.state() ?? []).filter((w) => w.healthy).reduce((a, w) => a + (w.maxConcurrent ?? 0), 0));
      },
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'refdiff_gateway_' });
  }

  bindQueue(queue: QueueSource): void {
    this.queue = queue;
  }

  bindPool(pool: PoolSource | null): void {
    this.pool = pool ?? undefined;
  }

  /** The label value for a tenant: its id while fewer than `tenantLabels` ids have one, else "other" (bounded). */
  tenantLabel(tenantId: string): string {
    if (this.labelled.has(tenantId)) return tenantId;
    if (this.labelled.size < this.tenantLabels) {
      this.labelled.add(tenantId);
      return tenantId;
    }
    return OTHER_TENANTS;
  }

  countRequest(tenantId: string, surface: 'graphql' | 'rest'): void {
    this.tenantRequests.inc({ tenant: this.tenantLabel(tenantId), surface });
  }

  countExpressions(tenantId: string, n: number): void {
    if (n > 0) this.tenantExpressions.inc({ tenant: this.tenantLabel(tenantId) }, n);
  }

  private snapshot(): Promise<QueueSnapshot> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= this.queueCacheMs) {
      const value = (this.queue as QueueSource).snapshot();
      this.cached = { at: now, value };
      // A failed read is not cached.
      value.catch(() => {
        if (this.cached?.value === value) this.cached = undefined;
      });
    }
    return this.cached.value;
  }
}
