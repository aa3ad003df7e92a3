import type { Logger } from 'pino';
import type { RefDiff } from '@refdiff/pipeline';
import type { WorkerConfig } from '../config/env';

/**
 * Opens the model pack on the configured execution provider and binds the Ref-Diff engine to it. The modules load
 * here, not at import time, so `refdiff --help` never touches onnxruntime.
 */
export async function loadEngine(config: WorkerConfig, logger: Logger): Promise<RefDiff> {
  const [{ loadPack }, { createRefDiff }] = await Promise.all([import('@refdiff/models'), import('@refdiff/pipeline')]);
  const packDir = config.models.pack ?? (await fixturePackDir(logger));
  const started = performance.now();
  const models = await loadPack(packDir, {
    executionProvider: config.models.executionProvider,
    threads: config.models.threads,
    logger: logger.child({ component: 'models' }),
  });
  const engine = createRefDiff(models, {
    imageCacheBytes: config.cache.imageBytes,
    maxImageBytes: config.limits.maxImageBytes,
    maxExpressions: config.limits.maxExpressions,
  });
  logger.info({ pack: packDir, ms: Math.round(performance.now() - started) }, 'engine ready');
  return engine;
}

async function fixturePackDir(_logger: Logger): Promise<string> {
  throw new Error('no model pack given (--models or REFDIFF_MODEL_PACK)');
}
