import { loadWorkerConfig, type WorkerConfigOverrides } from './config/env';
import { loadEngine } from './engine/load-engine';
import { DeviceBusyMeter } from './server/device-busy';
import { createWorkerLogger } from './logger';
import { exitOnSignals, runWorker, type RunningWorker } from './worker-runner';

/** Config from the environment (+ flags), one logger, the engine loaded from the pack; exits on SIGTERM/SIGINT. */
export async function startWorker(
  env: Readonly<Record<string, string | undefined>>,
  overrides: WorkerConfigOverrides = {},
): Promise<RunningWorker> {
  const config = loadWorkerConfig(env, overrides);
  const logger = createWorkerLogger(config.log.level);
  const deviceBusy = new DeviceBusyMeter();
  const worker = await runWorker(config, { logger, engine: () => loadEngine(config, logger, deviceBusy), deviceBusy });
  exitOnSignals(worker, logger);
  return worker;
}
