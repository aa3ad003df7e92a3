import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWorker, type FakeWorker } from '../../test/fake-worker';
import { silentLogger } from '../../test/harness';
import { GrpcWorkerPool } from './grpc-worker-pool';

let workers: FakeWorker[];
const pools: GrpcWorkerPool[] = [];

beforeAll(async () => {
  workers = await Promise.all([startFakeWorker(), startFakeWorker(), startFakeWorker()]);
});
afterAll(async () => {
  for (const p of pools) await p.close();
  for (const w of workers) await w.close();
});

async function pool(targets: string[], strategy?: 'affinity' | 'least-loaded' | 'round-robin') {
  const p = await GrpcWorkerPool.create({ targets, strategy, logger: silentLogger, healthIntervalMs: 60_000 });
  pools.push(p);
  return p;
}

const sha = (i: number) => createHash('sha256').update(String(i)).digest('hex');

describe('GrpcWorkerPool', () => {
  it('routes each image to one stable worker (affinity), spreads images, and moves only the images of a dead worker', async () => {
    const p = await pool(workers.map((w) => w.target));
    const before = new Map<string, string>();
    for (let i = 0; i < 300; i++) before.set(sha(i), p.pick(sha(i))?.target as string);
    for (let i = 0; i < 300; i++) expect(p.pick(sha(i))?.target).toBe(before.get(sha(i)));
    const counts = workers.map((w) => [...before.values()].filter((t) => t === w.target).length);
    expect(Math.min(...counts)).toBeGreaterThan(50);
    // Take one member out: only its images move.
    const dead = workers[0].target;
    (p as unknown as { members: Map<string, { healthy: boolean }> }).members.get(dead)!.healthy = false;
    for (const [s, t] of before) {
      const now = p.pick(s)?.target;
      if (t === dead) expect(now).not.toBe(dead);
      else expect(now).toBe(t);
    }
  });

  it('resolves dns: targets to every address and health-checks them with GetInfo', async () => {
    const port = workers[1].target.split(':')[1];
    const p = await pool([`dns:localhost:${port}`]);
    const state = p.state();
    expect(state.map((s) => s.target)).toContain(`127.0.0.1:${port}`);
    const v4 = state.find((s) => s.target === `127.0.0.1:${port}`);
    expect(v4).toMatchObject({ healthy: true, packName: 'fake', maxConcurrent: 4 });
    expect(p.capacity()).toBeGreaterThanOrEqual(4);
  });

  it('marks an unreachable target unhealthy and gives it no capacity', async () => {
    const dead = await startFakeWorker();
    const target = dead.target;
    dead.kill();
    const p = await pool([target, workers[2].target], 'least-loaded');
    expect(p.state().find((s) => s.target === target)?.healthy).toBe(false);
    expect(p.capacity()).toBe(4);
    expect(p.pick(sha(1))?.target).toBe(workers[2].target);
  });
});
