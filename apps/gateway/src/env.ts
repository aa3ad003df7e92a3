/**
 * The gateway's configuration: one zod schema over the environment (every problem reported at once), command-line
 * flags layered on top by `refdiff serve`, frozen into a nested config.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseImageStore, type ImageStoreConfig } from './images/image-store.config';

const int = (def: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: `expected a non-negative integer, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** Every variable the gateway reads (deploy/kubernetes manifests are checked against it: tools in deploy/). */
export const envSchema = z.object({
  DATABASE_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  WORKERS: z.string().optional(),
  PORT: int(4000),
  HOST: z.string().default('127.0.0.1'),
  REFDIFF_DATA_DIR: z.string().default('.refdiff'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_ROUTING: z.enum(['affinity', 'least-loaded', 'round-robin']).default('affinity'),
  DISPATCH: z.enum(['on', 'off']).default('on'),
  LEASE_MS: int(60_000),
  WORKER_DEADLINE_MS: int(300_000),
  MAX_ATTEMPTS: int(5),
  MAX_UPLOAD_BYTES: int(25 * 1024 * 1024),
  DB_POOL_MAX: int(10),
  IMAGE_CACHE_SCOPE: z.enum(['tenant', 'global']).default('tenant'),
  SHUTDOWN_TIMEOUT_MS: int(15_000),
  /** fs:<dir>, s3://bucket/prefix or database (images/image-store.config.ts). */
  IMAGE_STORE: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      // The value's own syntax here (so deploy/'s manifest check sees it); the region rule needs AWS_REGION, in loadConfig.
      const r = v === undefined ? null : parseImageStore(v, { AWS_REGION: 'any' }, { dataDir: '.', database: false });
      if (r && 'problems' in r) for (const p of r.problems) ctx.addIssue({ code: 'custom', message: p.replace(/^IMAGE_STORE: /, '') });
    }),
  // The S3 store follows the AWS SDK's own variables; the SDK reads the credentials itself (default chain).
  AWS_REGION: z.string().optional(),
  AWS_ENDPOINT_URL: z.string().url().optional(),
  AWS_ENDPOINT_URL_S3: z.string().url().optional(),
  /** Path-style bucket addressing; default: on with a custom endpoint (MinIO, Ceph), off for AWS. */
  AWS_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  AWS_PROFILE: z.string().optional(),
  AWS_ROLE_ARN: z.string().optional(),
  AWS_WEB_IDENTITY_TOKEN_FILE: z.string().optional(),
  RETENTION_SWEEP_SECONDS: int(60),
  GRAPHQL_INTROSPECTION: z.enum(['on', 'off', 'authenticated']).optional(),
  METRICS_TOKEN: z.string().optional(),
  METRICS_TENANT_LABELS: int(20),
  NODE_ENV: z.string().optional(),
});

/**
 * What a cluster deployment must set although the schema has defaults for a laptop: without DATABASE_URL the gateway
 * keeps data in embedded PGlite inside the pod, without WORKERS it starts its own worker, HOST defaults to
 * 127.0.0.1 (unreachable from the Service), and without IMAGE_STORE image bytes go into PostgreSQL rows (works, but
 * each upload holds the event loop while Prisma encodes the bytea). deploy/kubernetes is checked against this list.
 */
export const DEPLOYMENT_REQUIRED_ENV = ['DATABASE_URL', 'WORKERS', 'HOST', 'IMAGE_STORE'] as const satisfies readonly (keyof typeof envSchema.shape)[];

export interface GatewayConfig {
  readonly databaseUrl: string | null;
  /** Worker targets (host:port or dns:host:port); empty = start a local worker on the fixture pack. */
  readonly workers: readonly string[];
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly routing: 'affinity' | 'least-loaded' | 'round-robin';
  readonly dispatch: boolean;
  readonly leaseMs: number;
  /** Deadline of one worker call. */
  readonly workerDeadlineMs: number;
  readonly maxAttempts: number;
  readonly maxUploadBytes: number;
  readonly dbPoolMax: number;
  /** Workers' image-cache namespace per tenant (default) or shared (docs/gateway.md, "Image cache scope"). */
  readonly imageCacheScope: 'tenant' | 'global';
  /**
   * GraphQL introspection: GRAPHQL_INTROSPECTION (`on`, `off`, or `authenticated`: only with an API key), else off
   * when NODE_ENV=production and on otherwise.
   */
  readonly introspection: 'on' | 'off' | 'authenticated';
  /** SIGTERM/SIGINT: the whole shutdown (HTTP, dispatcher, local worker, database) finishes within this, or exits 1. */
  readonly shutdownTimeoutMs: number;
  /** How often each replica tries to sweep images past their tenant's retention (0 = never). */
  readonly retentionSweepMs: number;
  /**
   * Where image bytes live: files (default in embedded mode: `<dataDir>/images`), an S3-compatible bucket, or the
   * database rows (default with DATABASE_URL, so a deployment that sets nothing keeps working).
   */
  readonly imageStore: ImageStoreConfig;
  /** GET /metrics requires this bearer token when set (docs/gateway.md, "Metrics"). */
  readonly metricsToken: string | null;
  /** Most tenant ids with their own metric label; the rest are counted as "other". */
  readonly metricsTenantLabels: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ServeFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  workers?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv, flags: ServeFlags = {}): GatewayConfig {
  const merged = {
    ...env,
    ...(flags.port !== undefined ? { PORT: flags.port } : {}),
    ...(flags.host !== undefined ? { HOST: flags.host } : {}),
    ...(flags.dataDir !== undefined ? { REFDIFF_DATA_DIR: flags.dataDir } : {}),
    ...(flags.workers !== undefined ? { WORKERS: flags.workers } : {}),
  };
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  const e = parsed.data;
  const dataDir = resolve(e.REFDIFF_DATA_DIR);
  const store = parseImageStore(e.IMAGE_STORE, e, { dataDir, database: e.DATABASE_URL !== undefined });
  const problems = 'problems' in store ? [...store.problems] : [];
  if (!e.AWS_ACCESS_KEY_ID !== !e.AWS_SECRET_ACCESS_KEY) problems.push('AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: set both or neither');
  if ('problems' in store || problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return Object.freeze({
    databaseUrl: e.DATABASE_URL ?? null,
    workers: Object.freeze((e.WORKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
    host: e.HOST,
    port: e.PORT,
    dataDir,
    logLevel: e.LOG_LEVEL,
    routing: e.WORKER_ROUTING,
    dispatch: e.DISPATCH === 'on',
    leaseMs: e.LEASE_MS,
    workerDeadlineMs: e.WORKER_DEADLINE_MS,
    maxAttempts: Math.max(1, e.MAX_ATTEMPTS),
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    dbPoolMax: Math.max(1, e.DB_POOL_MAX),
    imageCacheScope: e.IMAGE_CACHE_SCOPE,
    shutdownTimeoutMs: Math.max(1_000, e.SHUTDOWN_TIMEOUT_MS),
    retentionSweepMs: e.RETENTION_SWEEP_SECONDS * 1000,
    imageStore: Object.freeze(store.config),
    metricsToken: e.METRICS_TOKEN || null,
    metricsTenantLabels: e.METRICS_TENANT_LABELS,
    introspection: e.GRAPHQL_INTROSPECTION ?? (e.NODE_ENV === 'production' ? 'off' : 'on'),
  });
}
