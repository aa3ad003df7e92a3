/** Wires repositories and services over one database: built once per process, shared by HTTP, GraphQL and the CLI. */
import type { Logger } from 'pino';
import { ApiKeyRepository } from './auth/api-key.repository';
import { ApiKeyService } from './auth/api-key.service';
import { AuthService } from './auth/auth.service';
import { RateLimiter } from './common/rate-limiter';
import type { Database } from './db/database';
import { QueueRepository } from './dispatch/queue.repository';
import type { WorkerPool } from './dispatch/worker-pool';
import type { ImageStore } from './images/image-store';
import { ImageRepository } from './images/image.repository';
import { ImageService } from './images/image.service';
import { RetentionSweeper } from './images/retention.sweeper';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { CompletionSignal } from './segmentation/completion-signal';
import { SegmentationFeed, defaultFeedSettings, type FeedSettings } from './segmentation/segmentation-feed';
import { SegmentationRepository } from './segmentation/segmentation.repository';
import { SegmentationService } from './segmentation/segmentation.service';
import { TenantRepository } from './tenants/tenant.repository';
import { TenantService } from './tenants/tenant.service';
import { UsageRepository } from './usage/usage.repository';
import { UsageService } from './usage/usage.service';

export interface Services {
  db: Database;
  logger: Logger;
  auth: AuthService;
  apiKeys: ApiKeyService;
  tenants: TenantService;
  images: ImageService;
  imageRepository: ImageRepository;
  segmentations: SegmentationService;
  usage: UsageService;
  queue: QueueRepository;
  completion: CompletionSignal;
  /** Live status changes for GraphQL subscriptions (fed by LISTEN, see runtime.ts). */
  feed: SegmentationFeed;
  rateLimiter: RateLimiter;
  /** Deletes images past their tenant's retention; started by the runtime (startGateway). */
  retention: RetentionSweeper;
  /** Present where this process dispatches (admin `workerPool` reads it). */
  pool: WorkerPool | null;
  /** Prometheus metrics served at /metrics (docs/gateway.md, "Metrics"). */
  metrics: GatewayMetrics;
}

export interface ServiceSettings {
  authCacheMs?: number;
  maxAttempts?: number;
  waitRecheckMs?: number;
  /** Where image bytes go; null/absent = the database rows (docs/gateway.md, "Image storage"). */
  imageStore?: ImageStore | null;
  /** Retention sweep interval (0 = never; docs/gateway.md, "Data lifecycle"). */
  retentionSweepMs?: number;
  feed?: Partial<FeedSettings>;
  /** Most tenant ids given their own metric label (METRICS_TENANT_LABELS; docs/gateway.md, "Metrics"). */
  metricsTenantLabels?: number;
  /** How long a queue snapshot is reused across scrapes (default 1 s). */
  metricsQueueCacheMs?: number;
  /** Add the Node process metrics (CPU, memory, event loop) to /metrics. */
  processMetrics?: boolean;
}

export function createServices(db: Database, logger: Logger, pool: WorkerPool | null, settings: ServiceSettings = {}): Services {
  const keyRepo = new ApiKeyRepository(db.prisma);
  const tenantRepo = new TenantRepository(db.prisma);
  const imageRepository = new ImageRepository(db.prisma, settings.imageStore ?? null);
  const completion = new CompletionSignal();
  const segmentationRepository = new SegmentationRepository(db.prisma, db.sql);
  const queue = new QueueRepository(db.prisma, db.sql, settings.imageStore ?? null);
  const metrics = new GatewayMetrics({
    tenantLabels: settings.metricsTenantLabels,
    queueCacheMs: settings.metricsQueueCacheMs,
    defaultMetrics: settings.processMetrics,
  });
  metrics.bindQueue(queue);
  metrics.bindPool(pool ? { state: () => pool.state() } : null);
  const auth = new AuthService(keyRepo, logger.child({ component: 'auth' }), settings.authCacheMs ?? 5_000);
  return {
    db,
    logger,
    auth,
    apiKeys: new ApiKeyService(keyRepo, tenantRepo, auth),
    tenants: new TenantService(tenantRepo, auth),
    images: new ImageService(imageRepository),
    imageRepository,
    segmentations: new SegmentationService(segmentationRepository, imageRepository, completion, {
      maxAttempts: settings.maxAttempts ?? 5,
      waitRecheckMs: settings.waitRecheckMs ?? 2_000,
    }, () => pool?.knownPacks?.() ?? []),
    usage: new UsageService(new UsageRepository(db.prisma)),
    queue,
    completion,
    feed: new SegmentationFeed(segmentationRepository, imageRepository, { ...defaultFeedSettings, ...settings.feed }),
    rateLimiter: new RateLimiter(),
    retention: new RetentionSweeper(db, tenantRepo, imageRepository, logger.child({ component: 'retention' }), {
      intervalMs: settings.retentionSweepMs ?? 60_000,
    }),
    pool,
    metrics,
  };
}
