import { loadConfig, type ServeFlags } from './env';
import { formatExample, runExample } from './example';
import { banner, serve } from './serve';

/** The `refdiff serve` action: start, print where to go, optionally play the example, stop on SIGINT/SIGTERM. */
export async function runServe(flags: ServeFlags & { example?: boolean; exitAfterExample?: boolean }): Promise<void> {
  const config = loadConfig(process.env, flags);
  const handle = await serve(config);
  process.stdout.write(banner(handle));
  // This is the one owner of SIGINT/SIGTERM (Apollo's handler is off: stopOnTerminationSignals false): stop
  // serving, hand in-flight rows back, stop the local worker, close the database, exit — within the shutdown
  // deadline every time; past it, or on a second signal, the local worker is killed and the process exits 1.
  let stopping = false;
  const hardExit = (reason: string) => {
    handle.logger.error({ reason }, 'shutdown did not finish; killing the local worker and exiting');
    handle.localWorker?.process.kill('SIGKILL');
    process.exit(1);
  };
  const stop = async (code: number) => {
    if (stopping) return hardExit('second signal');
    stopping = true;
    setTimeout(() => hardExit(`deadline of ${config.shutdownTimeoutMs} ms`), config.shutdownTimeoutMs).unref();
    await handle.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  if (flags.example) {
    process.stdout.write('running the example (the first request waits for the local worker to load its models)…\n');
    let ok = false;
    try {
      const result = await runExample(handle.url, handle.adminToken);
      process.stdout.write(`${formatExample(result)}\n`);
      ok = result.rows.every((r) => r.status === 'SUCCEEDED');
    } catch (err) {
      process.stderr.write(`example failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    if (flags.exitAfterExample) await stop(ok ? 0 : 1);
  }
}
