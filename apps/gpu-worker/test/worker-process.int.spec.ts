import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerClient, type WorkerClient } from '@refdiff/worker-contract';
import { syntheticScene } from './support/colour-engine';

const main = fileURLToPath(new URL('./support/colour-worker-main.ts', import.meta.url));
const scene = syntheticScene(16, 16, { red: [1, 1, 5, 5] });

interface Started {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  address: string;
  metricsPort: number;
}

/** Starts a worker process and waits for its one "SERVING" log line. */
async function startProcess(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, REFDIFF_WORKER_LISTEN: '127.0.0.1:0', REFDIFF_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const serving = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        if (typeof line.msg === 'string' && line.msg.startsWith('SERVING')) resolve(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before SERVING: ${stderr}`)));
  });
  const line = await serving;
  return { child, lines, address: String(line.address), metricsPort: Number(line.metricsPort) };
}

let started: Started | undefined;
let client: WorkerClient | undefined;
afterEach(() => {
  client?.close();
  if (started && started.child.exitCode === null) started.child.kill('SIGKILL');
});

describe('worker process', () => {
  it('logs one SERVING line, serves metrics, and drains in-flight calls on SIGTERM', async () => {
    started = await startProcess({ COLOUR_ENGINE_DELAY_MS: '400', REFDIFF_WORKER_CONCURRENCY: '1' });
    expect(started.lines.filter((l) => String(l.msg).startsWith('SERVING'))).toHaveLength(1);
    client = createWorkerClient(started.address);

    const warm = await client.segment(scene.bytes, ['red'], undefined, { hashFirst: false });
    expect(warm.response.results[0].outcome).toBe('result');
    const metrics = await (await fetch(`http://127.0.0.1:${started.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/refdiff_worker_requests_total\{method="Segment",code="OK"\} 1/);
    expect(metrics).toMatch(/refdiff_worker_image_cache_requests_total\{result="miss"\} 1/);
    expect(metrics).toMatch(/refdiff_worker_model_calls_total\{role="colour"\} 1/);
    expect(metrics).toMatch(/refdiff_worker_stage_duration_seconds_count\{stage="queue_wait"\} 1/);
    expect(metrics).toContain('refdiff_worker_queue_depth 0');

    const c = client;
    const inFlight = [1, 2].map((i) => c.segment(scene.bytes, [`red ${i}`]));
    await expect
      .poll(async () => {
        const info = await c.getInfo();
        return info.inFlight + info.queueDepth;
      })
      .toBe(2);
    const exited = once(started.child, 'exit');
    started.child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    expect(results.map((r) => r.response.results[0].outcome)).toEqual(['result', 'result']);
    const late = await client.segment(scene.bytes, ['red late']).catch((e) => e);
    expect(late.status).toBe(grpc.status.UNAVAILABLE);
    const [code] = await exited;
    expect(code).toBe(0);
    const messages = started.lines.map((l) => l.msg);
    expect(messages).toContain('shutting down');
    expect(messages).toContain('stopped');
  });
});
