import { loadConfig, type ServeFlags } from './env';
import { formatExample, runExample } from './example';
import { banner, serve } from './serve';

/** The `refdiff serve` action: start, print where to go, optionally play the example, stop on SIGINT/SIGTERM. */
export async function runServe(flags: ServeFlags & { example?: boolean; exitAfterExample?: boolean }): Promise<void> {
  const config = loadConfig(process.env, flags);
  const handle = await serve(config);
  process.stdout.write(banner(handle));
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await handle.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
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
