/**
 * "Uploads do not block": a `refdiff serve` subprocess (PostgreSQL mode, no dispatch) receives several 20 MB images
 * at once while /healthz is polled from outside, and the gateway's own event-loop delay over the upload window is
 * read from its /metrics (prom-client's monitorEventLoopDelay histogram, reset at every scrape). The object store,
 * when there is one, is s3rver in another process, as a real store would be on another machine. Shared by the test
 * (test/upload-health.int.spec.ts, loose bounds) and the probe (bench/upload-health.bench.ts, prints figures).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gql, upload } from './harness';

const REFDIFF_BIN = fileURLToPath(new URL('../../cli/bin/refdiff.js', import.meta.url));

async function waitFor<T>(what: string, proc: ChildProcess, out: () => string, probe: () => T | undefined | Promise<T | undefined>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    if (proc.exitCode !== null) throw new Error(`${what} exited early:\n${out()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start:\n${out()}`);
}

function capture(proc: ChildProcess): () => string {
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return () => out;
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** s3rver in its own process on 127.0.0.1 (port 0 unless given), with one bucket. */
export async function startS3rverProcess(bucket: string, port = 0): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'refdiff-s3rver-proc-'));
  const code = `
    const S3rver = require('s3rver');
    new S3rver({ address: '127.0.0.1', port: ${port}, silent: true, directory: ${JSON.stringify(dir)}, vhostBuckets: false,
      configureBuckets: [{ name: ${JSON.stringify(bucket)} }] })
      .run().then((a) => console.log('S3RVER_PORT=' + a.port));`;
  const proc = spawn(process.execPath, ['-e', code], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
  const out = capture(proc);
  const p = await waitFor('s3rver', proc, out, () => /S3RVER_PORT=(\d+)/.exec(out())?.[1], 30_000);
  return {
    endpoint: `http://127.0.0.1:${p}`,
    close: async () => {
      await stop(proc);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ServedGateway {
  url: string;
  pid: number;
  adminToken: string;
  close: () => Promise<void>;
}

/** `refdiff serve` with dispatch off (no worker: only the upload path is measured). */
export async function serveGateway(env: Record<string, string>): Promise<ServedGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'refdiff-upload-health-'));
  const proc = spawn(process.execPath, [REFDIFF_BIN, 'serve', '--port', String(env.PORT ?? 0), '--data-dir', dataDir], {
    env: { ...process.env, LOG_LEVEL: 'warn', DISPATCH: 'off', RETENTION_SWEEP_SECONDS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = capture(proc);
  const url = await waitFor('refdiff serve', proc, out, () => /GraphQL at (http:\/\/[^\s]+)\/graphql/.exec(out())?.[1]);
  const adminToken = (await readFile(join(dataDir, 'admin.key'), 'utf8')).trim();
  return {
    url,
    pid: proc.pid as number,
    adminToken,
    close: async () => {
      await stop(proc);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A tenant with a key that may store `images` of the given size. */
export async function tenantToken(g: ServedGateway, name: string): Promise<string> {
  const t = await gql(g.url, g.adminToken, 'mutation($n: String!) { createTenant(name: $n, quotas: { rateLimitPerMinute: 100000, maxStorageBytes: 100000000000 }) { id } }', { n: name });
  if (t.errors) throw new Error(JSON.stringify(t.errors));
  const k = await gql(g.url, g.adminToken, 'mutation($t: ID!) { createApiKey(tenantId: $t, name: "probe") { token } }', { t: t.data!.createTenant.id });
  return k.data!.createApiKey.token;
}

export async function eventLoopLag(url: string): Promise<{ maxMs: number; p99Ms: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { maxMs: read('refdiff_gateway_nodejs_eventloop_lag_max_seconds'), p99Ms: read('refdiff_gateway_nodejs_eventloop_lag_p99_seconds') };
}

/** CPU time (user + system) of a process so far, in ms (Linux /proc). */
async function cpuMs(pid: number): Promise<number> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return ((Number(stat[11]) + Number(stat[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

export interface UploadHealth {
  statuses: number[];
  /** Wall time from the first upload's start to the last one's answer. */
  uploadMs: number;
  /** /healthz answers received while the uploads ran (polled from a worker thread, 5 ms apart). */
  polls: number;
  p50: number;
  p99: number;
  max: number;
  /** The gateway's own event-loop delay over the upload window (monitorEventLoopDelay, 10 ms resolution). */
  lagMaxMs: number;
  lagP99Ms: number;
  /** Gateway CPU time spent over the window. */
  gatewayCpuMs: number;
}

const POLLER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const latencies = [];
  let stop = false;
  parentPort.on('message', () => { stop = true; });
  (async () => {
    let first = true;
    while (!stop) {
      const t = performance.now();
      await fetch(workerData.url).then((r) => r.text());
      if (first) { first = false; parentPort.postMessage('started'); } else latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
    parentPort.postMessage(latencies);
  })();
`;

/** The gateway's event-loop delay over `ms` with nothing to do: what the machine's load alone costs. */
export async function idleLag(g: ServedGateway, ms: number): Promise<{ maxMs: number; p99Ms: number }> {
  await eventLoopLag(g.url);
  await new Promise((r) => setTimeout(r, ms));
  const lag = await eventLoopLag(g.url);
  return { maxMs: Math.round(lag.maxMs), p99Ms: Math.round(lag.p99Ms) };
}

/** Uploads `images` at once while polling /healthz; figures from both sides. */
export async function uploadsWithHealth(g: ServedGateway, token: string, images: readonly Uint8Array[]): Promise<UploadHealth> {
  await eventLoopLag(g.url); // resets the gateway's histogram: what follows covers the upload window only
  const cpu0 = await cpuMs(g.pid);
  // The poller has its own thread and event loop: the uploads' client work in this one does not delay its polls.
  const poller = new Worker(POLLER, { eval: true, workerData: { url: `${g.url}/healthz` } });
  await new Promise((r) => poller.once('message', r)); // first answer received: polling runs
  const t0 = performance.now();
  const results = await Promise.all(images.map((b) => upload(g.url, token, b)));
  const uploadMs = Math.round(performance.now() - t0);
  poller.postMessage('stop');
  const latencies = (await new Promise<number[]>((r) => poller.once('message', r))).sort((a, b) => a - b);
  await poller.terminate();
  const lag = await eventLoopLag(g.url);
  const gatewayCpuMs = Math.round((await cpuMs(g.pid)) - cpu0);
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN);
  return {
    statuses: results.map((r) => r.status),
    uploadMs,
    polls: latencies.length,
    p50: q(0.5),
    p99: q(0.99),
    max: Math.round(latencies[latencies.length - 1] ?? NaN),
    lagMaxMs: Math.round(lag.maxMs),
    lagP99Ms: Math.round(lag.p99Ms),
    gatewayCpuMs,
  };
}
