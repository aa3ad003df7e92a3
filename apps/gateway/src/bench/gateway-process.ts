/**
 * The gateway under test in a process of its own, as it runs in production: `src/main.ts` (what `npm start` and the
 * container run) configured from the environment alone — PostgreSQL, the worker stub as WORKERS, LOG_LEVEL info,
 * NODE_ENV=production —
 * so the bench's clients and stub do not share its event loop. A preloaded probe (gateway-process.probe.mjs) reports
 * the process's SQL statements and CPU time over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface GatewayProcess {
  url: string;
  pid: number;
  /** SQL statements sent and CPU time used (µs) by the gateway process so far */
  sample(): Promise<{ sqlStatements: number; cpuMicros: number }>;
  close(): Promise<void>;
}

const mainTs = fileURLToPath(new URL('../main.ts', import.meta.url));
const probe = fileURLToPath(new URL('./gateway-process.probe.mjs', import.meta.url));
const tsxLoader = () => pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

export async function startGatewayProcess(o: { databaseUrl: string; workers: string[]; port: number; logLevel?: string }): Promise<GatewayProcess> {
  if (!existsSync(mainTs)) throw new Error(`the gateway's sources are not here (${mainTs}): run the bench from a clone, or with --gateway same-process`);
  const dataDir = await mkdtemp(join(tmpdir(), 'refdiff-bench-gateway-'));
  const child: ChildProcess = fork(mainTs, [], {
    // REFDIFF_BENCH_GATEWAY_NODE_ARGS: extra Node flags for the gateway process (e.g. `--cpu-prof --cpu-prof-dir=prof`)
    execArgv: [...(process.env.REFDIFF_BENCH_GATEWAY_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []), '--import', tsxLoader(), '--import', pathToFileURL(probe).href],
    env: {
      ...process.env,
      DATABASE_URL: o.databaseUrl,
      WORKERS: o.workers.join(','),
      HOST: '127.0.0.1',
      PORT: String(o.port),
      REFDIFF_DATA_DIR: dataDir,
      LOG_LEVEL: o.logLevel ?? 'info',
      // as the container image and the manifests set it (graphql-js, Express and Apollo take their production paths;
      // ≈ 0–15 % less gateway CPU a request than unset in two alternated rounds at load 8, within this VM's noise)
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /GraphQL at (http:\/\/[^\s]+)\/graphql/.exec(out);
      if (m) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => reject(new Error(`the gateway process exited (${code}) before it was ready: ${stderr}`)));
  });
  let next = 0;
  const sample = () =>
    new Promise<{ sqlStatements: number; cpuMicros: number }>((resolve, reject) => {
      const id = next++;
      const onMessage = (m: { type?: string; id?: number; sqlStatements: number; cpu: NodeJS.CpuUsage }) => {
        if (m?.type !== 'sample' || m.id !== id) return;
        child.off('message', onMessage);
        resolve({ sqlStatements: m.sqlStatements, cpuMicros: m.cpu.user + m.cpu.system });
      };
      child.on('message', onMessage);
      child.send({ type: 'sample', id }, (err) => err && reject(err));
    });
  return {
    url,
    pid: child.pid ?? -1,
    sample,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
