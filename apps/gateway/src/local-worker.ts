/**
 * The embedded mode's worker: a child `refdiff worker` process on 127.0.0.1 serving the fixture pack (or
 * REFDIFF_MODEL_PACK). A child rather than in-process keeps the gateway free of model runtimes (module boundaries)
 * and matches how it talks to a real pool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

const REFDIFF_BIN = fileURLToPath(new URL('../../cli/bin/refdiff.js', import.meta.url));

export interface LocalWorker {
  target: string;
  /** The current child (replaced when a crashed one is restarted). */
  process: ChildProcess;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startLocalWorker(
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  options: { killAfterMs?: number } = {},
): Promise<LocalWorker> {
  const killAfterMs = options.killAfterMs ?? 8_000;
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const log = logger.child({ component: 'local-worker', target });
  let stopping = false;
  let restarts = 0;

  const spawnWorker = (): ChildProcess => {
    const child = spawn(process.execPath, [REFDIFF_BIN, 'worker', '--listen', target], {
      // stdin stays an open pipe: when this process dies, even by SIGKILL, the worker sees its end and exits
      // (REFDIFF_EXIT_WITH_PARENT) instead of living on as an orphan holding memory and a port.
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { REFDIFF_DRAIN_TIMEOUT_MS: String(Math.max(1_000, killAfterMs - 2_000)), ...env, REFDIFF_EXIT_WITH_PARENT: '1' },
    });
    child.stdin?.on('error', () => undefined); // EPIPE when the child has exited
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        let entry: { level?: number; msg?: string } | null = null;
        try {
          entry = JSON.parse(line) as { level?: number; msg?: string };
        } catch {
          entry = null;
        }
        if (entry && typeof entry.msg === 'string') {
          if ((entry.level ?? 30) >= 50) log.error({ worker: entry }, entry.msg);
          else log.debug({ worker: entry }, entry.msg);
        } else if (line.trim()) {
          log.info(line);
        }
      });
    }
    child.on('exit', (code, signal) => {
      if (stopping) return;
      // The pool routes around it meanwhile; queued requests wait in the database.
      restarts += 1;
      const delay = Math.min(30_000, 1_000 * 2 ** Math.min(5, restarts - 1));
      log.warn({ code, signal, restartInMs: delay }, 'local worker exited; restarting');
      setTimeout(() => {
        if (!stopping) handle.process = spawnWorker();
      }, delay).unref();
    });
    return child;
  };

  const handle: LocalWorker = {
    target,
    process: spawnWorker(),
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        const child = handle.process;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
  return handle;
}
