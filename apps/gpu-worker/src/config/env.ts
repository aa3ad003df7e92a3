import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseByteSize } from '@refdiff/models';

const MiB = 1024 * 1024;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** The worker's environment. Every variable is optional; see docs/worker.md. deploy/kubernetes is checked against it. */
export const envSchema = z.object({
  REFDIFF_WORKER_LISTEN: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:50051')
    .default('127.0.0.1:50051'),
  REFDIFF_MODEL_PACK: z.string().min(1).optional(),
  REFDIFF_CACHE_DIR: z.string().min(1).optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  REFDIFF_EXECUTION_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),
  REFDIFF_THREADS: int(1, 256).optional(),
  /** memory one UNet/VAE call's attention may take (e.g. 20G, or off); default 80% of the memory free at the call */
  REFDIFF_MAX_MODEL_MEMORY: z
    .string()
    .transform((v, c) => {
      try {
        return parseByteSize(v);
      } catch (err) {
        c.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /** default: defaultConcurrency(provider) */
  REFDIFF_WORKER_CONCURRENCY: int(1, 64).optional(),
  REFDIFF_WORKER_MAX_QUEUE: int(0, 10_000).default(32),
  /** worker threads for the heavy CPU stages (SAM post-processing); 0 = on the event loop; default: defaultCpuThreads() */
  REFDIFF_WORKER_CPU_THREADS: int(0, 64).optional(),
  REFDIFF_IMAGE_CACHE_BYTES: int(0).default(512 * MiB),
  REFDIFF_MAX_MESSAGE_BYTES: int(64 * 1024, 2 ** 31 - 1).default(32 * MiB),
  REFDIFF_MAX_IMAGE_BYTES: int(1, 2 ** 31 - 1).default(20 * MiB),
  REFDIFF_MAX_EXPRESSIONS: int(1, 10_000).default(64),
  REFDIFF_METRICS_PORT: int(0, 65_535).optional(),
  REFDIFF_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  REFDIFF_DRAIN_TIMEOUT_MS: int(0).default(30_000),
  REFDIFF_DRAIN_GRACE_MS: int(0).default(0),
  REFDIFF_EXIT_WITH_PARENT: z.enum(['0', '1']).default('0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * Segment calls in the engine at once when REFDIFF_WORKER_CONCURRENCY is unset. On a GPU, 2: one image's CPU stages
 * run while the other's model calls hold the device, which keeps a simulated A100 ≥ 0.9 busy on a free core (4: 0.95,
 * for twice the latency of each call and of concurrent device memory; docs/performance.md). On the CPU provider, 1:
 * there is no device to keep fed, and concurrent calls only split the cores among themselves.
 */
export function defaultConcurrency(executionProvider: 'cpu' | 'cuda'): number {
  return executionProvider === 'cuda' ? 2 : 1;
}

/**
 * Threads only where cores are to spare: 2 are left to the event loop and to libvips/libuv/gRPC, the rest (at most 4;
 * one image's SAM post-processing runs on one thread) go to the pool. On 2 cores that is 0 (inline): there the
 * simulated-A100 bench showed no gain from a thread, which only competes with the event loop (docs/performance.md).
 */
export function defaultCpuThreads(cores = availableParallelism()): number {
  return Math.max(0, Math.min(4, cores - 2));
}

/** What a cluster deployment must set: the default listen address (127.0.0.1) is unreachable from other pods. */
export const DEPLOYMENT_REQUIRED_ENV = ['REFDIFF_WORKER_LISTEN'] as const satisfies readonly (keyof typeof envSchema.shape)[];

export interface WorkerConfig {
  readonly grpc: { readonly listen: string; readonly maxMessageBytes: number };
  readonly models: {
    /** Model pack directory; undefined = the fixture pack */
    readonly pack: string | undefined;
    readonly executionProvider: 'cpu' | 'cuda';
    readonly threads: number | undefined;
    /** bytes one UNet/VAE call's attention may take (Infinity: no check); undefined = 80% of free memory */
    readonly maxModelMemory: number | undefined;
    /** where the fixture pack is generated on first use (as `refdiff segment`): <cacheDir>/fixture-pack-<design hash> */
    readonly cacheDir: string;
  };
  readonly limits: {
    readonly concurrency: number;
    readonly maxQueue: number;
    readonly maxImageBytes: number;
    readonly maxExpressions: number;
  };
  /** threads: the CPU pool's worker threads (0 = the CPU stages run on the event loop) */
  readonly cpu: { readonly threads: number };
  readonly cache: { readonly imageBytes: number };
  /** port undefined = no metrics endpoint */
  readonly metrics: { readonly host: string; readonly port: number | undefined };
  /** graceMs: how long health reports NOT_SERVING (new calls refused) before the server closes */
  /**
   * exitWithParent: stdin is a pipe from the process that started this worker (`refdiff serve`); its end means that
   * parent is gone — even SIGKILLed — so the worker drains and exits instead of living on as an orphan.
   */
  readonly shutdown: { readonly drainTimeoutMs: number; readonly graceMs: number; readonly exitWithParent: boolean };
  readonly log: { readonly level: string };
}

/** Command-line flags win over the environment. */
export interface WorkerConfigOverrides {
  listen?: string;
  modelPack?: string;
  metricsPort?: string | number;
}

export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(value);
}

/** Parses the environment (plus flag overrides); throws one WorkerConfigError listing every problem. */
export function loadWorkerConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: WorkerConfigOverrides = {},
): WorkerConfig {
  // Empty strings count as unset, so `REFDIFF_MODEL_PACK=` in a unit file means "none".
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    raw[key] = v === undefined || v.trim() === '' ? undefined : v.trim();
  }
  if (overrides.listen !== undefined) raw.REFDIFF_WORKER_LISTEN = overrides.listen;
  if (overrides.modelPack !== undefined) raw.REFDIFF_MODEL_PACK = overrides.modelPack;
  if (overrides.metricsPort !== undefined) raw.REFDIFF_METRICS_PORT = String(overrides.metricsPort);

  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new WorkerConfigError(`invalid worker configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.REFDIFF_MAX_IMAGE_BYTES > e.REFDIFF_MAX_MESSAGE_BYTES - 64 * 1024) {
    throw new WorkerConfigError(
      `invalid worker configuration:\n  REFDIFF_MAX_IMAGE_BYTES (${e.REFDIFF_MAX_IMAGE_BYTES}) must leave 64 KiB of ` +
        `REFDIFF_MAX_MESSAGE_BYTES (${e.REFDIFF_MAX_MESSAGE_BYTES}) for the rest of the request`,
    );
  }
  return deepFreeze({
    grpc: { listen: e.REFDIFF_WORKER_LISTEN, maxMessageBytes: e.REFDIFF_MAX_MESSAGE_BYTES },
    models: {
      pack: e.REFDIFF_MODEL_PACK,
      executionProvider: e.REFDIFF_EXECUTION_PROVIDER,
      threads: e.REFDIFF_THREADS,
      maxModelMemory: e.REFDIFF_MAX_MODEL_MEMORY,
      cacheDir: e.REFDIFF_CACHE_DIR ?? join(e.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'refdiff'),
    },
    limits: {
      concurrency: e.REFDIFF_WORKER_CONCURRENCY ?? defaultConcurrency(e.REFDIFF_EXECUTION_PROVIDER),
      maxQueue: e.REFDIFF_WORKER_MAX_QUEUE,
      maxImageBytes: e.REFDIFF_MAX_IMAGE_BYTES,
      maxExpressions: e.REFDIFF_MAX_EXPRESSIONS,
    },
    cpu: { threads: e.REFDIFF_WORKER_CPU_THREADS ?? defaultCpuThreads() },
    cache: { imageBytes: e.REFDIFF_IMAGE_CACHE_BYTES },
    metrics: { host: e.REFDIFF_METRICS_HOST, port: e.REFDIFF_METRICS_PORT },
    shutdown: {
      drainTimeoutMs: e.REFDIFF_DRAIN_TIMEOUT_MS,
      graceMs: e.REFDIFF_DRAIN_GRACE_MS,
      exitWithParent: e.REFDIFF_EXIT_WITH_PARENT === '1',
    },
    log: { level: e.LOG_LEVEL },
  });
}
