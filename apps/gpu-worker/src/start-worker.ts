import { loadWorkerConfig, type WorkerConfigOverrides } from './config/env';
import { loadEngine } from './engine/load-engine';
import { DeviceBusyMeter } from './server/device-busy';
import { CpuThreadPool } from './threads/cpu-pool';
import { createWorkerLogger } from './logger';
import { exitOnSignals, runWorker, type RunningWorker } from './worker-runner';

/** Config from the environment (+ flags), one logger, the engine loaded from the pack; exits on SIGTERM/SIGINT. */
export async function startWorker(
  env: Readonly<Record<string, string | undefined>>,
  overrides: WorkerConfigOverrides = {},
): Promise<RunningWorker> {
  const config = loadWorkerConfig(env, overrides);
  const logger = createWorkerLogger(config.log.level);
  if (config.shutdown.exitWithParent) {
    // stdin is a pipe from the parent; its end means the parent is gone, and with it whoever would read this
    // process's logs or answers. Nothing is left to drain for: end at once. (A drain here would write logs to the
    // dead stdout pipe, and the process was seen hanging in that state.)
    const onParentGone = () => process.kill(process.pid, 'SIGKILL');
    process.stdin.once('end', onParentGone);
    process.stdin.once('error', onParentGone);
    process.stdin.resume();
  }
  const deviceBusy = new DeviceBusyMeter();
  const cpuPool = config.cpu.threads > 0 ? new CpuThreadPool({ threads: config.cpu.threads, logger: logger.child({ component: 'cpu-pool' }) }) : undefined;
  const worker = await runWorker(config, {
    logger,
    engine: () => loadEngine(config, logger, deviceBusy, cpuPool),
    deviceBusy,
    onStopped: () => cpuPool?.close(),
  });
  exitOnSignals(worker, logger, process.exit, config.shutdown.drainTimeoutMs + 2_000);
  return worker;
}
