// A worker process serving the colour test engine through the same runner and signal handling as `refdiff worker`.
// Used by the SIGTERM test; configured by the worker's normal environment plus COLOUR_ENGINE_DELAY_MS.
import { loadWorkerConfig } from '../../src/config/env';
import { createWorkerLogger } from '../../src/logger';
import { exitOnSignals, runWorker } from '../../src/worker-runner';
import { ColourEngine } from './colour-engine';

const config = loadWorkerConfig(process.env);
const logger = createWorkerLogger(config.log.level);
const engine = new ColourEngine();
engine.delayMs = Number(process.env.COLOUR_ENGINE_DELAY_MS ?? 0);
const worker = await runWorker(config, { logger, engine: async () => engine });
exitOnSignals(worker, logger);
