/**
 * `refdiff serve` / `npm start`: the whole product in one command. With no DATABASE_URL the gateway keeps its data
 * in embedded PGlite under the data folder and starts a local worker on the fixture pack; with DATABASE_URL and
 * WORKERS it runs against real PostgreSQL and a remote worker pool (the deployment shape, docs/gateway.md).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ensureAdminKey } from './bootstrap';
import { openPglite, openPostgres, type Database } from './db/database';
import { GrpcWorkerPool } from './dispatch/grpc-worker-pool';
import { createImageStore, describeImageStore } from './images/image-store.config';
import type { GatewayConfig } from './env';
import { startLocalWorker, type LocalWorker } from './local-worker';
import { createLogger } from './logger';
import { startGateway, type GatewayRuntime } from './runtime';

export interface ServeHandle {
  url: string;
  graphqlUrl: string;
  adminKeyPath: string;
  adminToken: string;
  runtime: GatewayRuntime;
  db: Database;
  pool: GrpcWorkerPool | null;
  localWorker: LocalWorker | null;
  logger: Logger;
  stop(): Promise<void>;
}

export async function serve(config: GatewayConfig, options: { logger?: Logger } = {}): Promise<ServeHandle> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const db = config.databaseUrl
    ? await openPostgres(config.databaseUrl, {
        poolMax: config.dbPoolMax,
        onIdleError: (err) => logger.warn({ err }, 'an idle database connection failed; it will be replaced'),
      })
    : await openPglite(join(config.dataDir, 'pgdata'));
  const cleanup: (() => Promise<void>)[] = [() => db.close()];
  try {
    const migrated = await db.migrate();
    logger.info({ database: db.kind, applied: migrated.applied }, 'database ready');
    const imageStore = createImageStore(config.imageStore);
    if (imageStore) {
      cleanup.push(async () => imageStore.close?.());
      await imageStore.verify?.();
    }
    logger.info({ imageStore: describeImageStore(config.imageStore) }, 'image store ready');
    if (config.imageStore.kind === 'database' && db.kind === 'postgres') {
      logger.warn(
        'image bytes go into PostgreSQL rows (IMAGE_STORE unset or "database"): each upload holds the event loop while the bytea ' +
          'is encoded; set IMAGE_STORE=s3://bucket/prefix (or fs:<dir> on one host) and run `refdiff images migrate-store` (docs/gateway.md, "Image storage")',
      );
    }
    let localWorker: LocalWorker | null = null;
    let pool: GrpcWorkerPool | null = null;
    if (config.dispatch) {
      let targets = config.workers;
      if (targets.length === 0) {
        // The worker must be gone well within the shutdown deadline: SIGTERM, then SIGKILL at half of it.
        localWorker = await startLocalWorker(logger, process.env, { killAfterMs: Math.floor(config.shutdownTimeoutMs / 2) });
        const w = localWorker;
        cleanup.push(() => w.stop());
        targets = [localWorker.target];
        logger.info({ target: localWorker.target }, 'started a local worker (fixture pack unless REFDIFF_MODEL_PACK is set)');
      }
      pool = await GrpcWorkerPool.create({ targets, strategy: config.routing, logger: logger.child({ component: 'pool' }) });
      const p = pool;
      cleanup.push(() => p.close());
    }
    const runtime = await startGateway({
      db,
      logger,
      pool,
      dispatcher: { leaseMs: config.leaseMs, callDeadlineMs: config.workerDeadlineMs, imageCacheScope: config.imageCacheScope },
      limits: { maxUploadBytes: config.maxUploadBytes },
      http: { introspection: config.introspection, metricsToken: config.metricsToken },
      settings: {
        maxAttempts: config.maxAttempts,
        retentionSweepMs: config.retentionSweepMs,
        metricsTenantLabels: config.metricsTenantLabels,
        processMetrics: true,
        imageStore,
      },
    });
    cleanup.push(() => runtime.stop('handback'));
    const port = await runtime.listen(config.port, config.host);
    const admin = await ensureAdminKey(runtime.services, config.dataDir);
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    return {
      url,
      graphqlUrl: `${url}/graphql`,
      adminKeyPath: admin.path,
      adminToken: admin.token,
      runtime,
      db,
      pool,
      localWorker,
      logger,
      stop: async () => {
        for (const fn of cleanup.reverse()) await fn().catch((err: unknown) => logger.warn({ err }, 'shutdown step failed'));
      },
    };
  } catch (err) {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    throw err;
  }
}

/** The lines `refdiff serve` prints once it is ready: where it is, where the key is, and a command to paste. */
export function banner(h: ServeHandle): string {
  const key = `"$(cat ${h.adminKeyPath})"`;
  return [
    '',
    `refdiff gateway ready: GraphQL at ${h.graphqlUrl}, uploads at ${h.url}/v1/images`,
    `admin key (ADMIN, READ, SEGMENT): ${h.adminKeyPath}`,
    `pages (playground, usage, admin; sign in with a key): ${h.url}/`,
    '',
    'Try it (upload an image, segment a phrase, wait for the mask):',
    `  KEY=${key}`,
    `  IMG=$(curl -s -H "authorization: Bearer $KEY" --data-binary @your-image.png ${h.url}/v1/images | sed -E 's/.*"id":"([^"]+)".*/\\1/')`,
    `  curl -s -H "authorization: Bearer $KEY" -H 'content-type: application/json' ${h.graphqlUrl} \\`,
    `    -d '{"query":"mutation($i: ID!) { segment(imageId: $i, expressions: [\\"the red circle\\"]) { id } }","variables":{"i":"'$IMG'"}}'`,
    `  # then: query { waitForSegmentations(ids: ["<id>"]) { status mask { box area rle { size counts } } } }`,
    '',
    'Or run `refdiff serve --example` to watch it segment a synthetic scene end to end.',
    '',
  ].join('\n');
}
