// `npm start -w @refdiff/gpu-worker`: the worker configured by the environment alone (docs/worker.md).
import { startWorker } from './start-worker';

try {
  await startWorker(process.env);
} catch (err) {
  process.stderr.write(`gpu-worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
