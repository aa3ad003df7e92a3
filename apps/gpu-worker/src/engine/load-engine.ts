import type { Logger } from 'pino';
import { ensureFixturePack, loadPack } from '@refdiff/models';
import { createRefDiff, type RefDiff, type SamPostProcessor } from '@refdiff/pipeline';
import type { WorkerConfig } from '../config/env';
import type { DeviceBusyMeter } from '../server/device-busy';

/** model calls at once in the engine (RefDiffConfig.modelCallsInFlight); the bench's worker uses the same */
export const MODEL_CALLS_IN_FLIGHT = 2;

/**
 * Opens the model pack on the configured execution provider and binds the Ref-Diff engine to it. Only the
 * `refdiff worker` action and the start script reach this module (cli.ts imports it lazily), so `refdiff --help`
 * never loads onnxruntime.
 */
export async function loadEngine(
  config: WorkerConfig,
  logger: Logger,
  deviceBusy?: DeviceBusyMeter,
  samPostProcessor?: SamPostProcessor,
): Promise<RefDiff> {
  let packDir = config.models.pack;
  if (packDir === undefined) {
    packDir = await fixturePackDir(config.models.cacheDir, logger);
    logger.warn({ pack: packDir }, 'no model pack given: serving the fixture pack (it only knows the synthetic world)');
  }
  const started = performance.now();
  const models = await loadPack(packDir, {
    executionProvider: config.models.executionProvider,
    threads: config.models.threads,
    ...(config.models.maxModelMemory !== undefined ? { maxModelMemory: config.models.maxModelMemory } : {}),
    logger: logger.child({ component: 'models' }),
  });
  const engine = createRefDiff(deviceBusy ? deviceBusy.wrap(models) : models, {
    imageCacheBytes: config.cache.imageBytes,
    maxImageBytes: config.limits.maxImageBytes,
    maxExpressions: config.limits.maxExpressions,
    // Masks and sizes in the orientation people see (browsers apply EXIF orientation to <img>); docs/worker.md.
    autoOrient: true,
    // the CPU pool's threads (start-worker.ts) when REFDIFF_WORKER_CPU_THREADS > 0; else inline
    ...(samPostProcessor ? { samPostProcessor } : {}),
    // concurrent images' model calls: the oldest request's first, one running and one queued on the device
    // (docs/performance.md, "Overlap")
    modelCallsInFlight: MODEL_CALLS_IN_FLIGHT,
  });
  logger.info({ pack: packDir, ms: Math.round(performance.now() - started) }, 'engine ready');
  return engine;
}

/** The fixture pack under the cache folder (the same one `refdiff segment` uses), generated on first use. */
export function fixturePackDir(cacheDir: string, logger: Logger): Promise<string> {
  return ensureFixturePack(cacheDir, (dir) => logger.info({ dir }, 'generating the fixture pack (first use)'));
}
