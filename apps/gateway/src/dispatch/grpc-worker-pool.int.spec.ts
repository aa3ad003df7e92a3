import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { distinctPng, FakeDns, hostOf, portOf, startGpuLikeWorkers } from '../bench/platform-scenarios';
import { startFakeWorker, type FakeWorker } from '../testing/fake-worker';
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

describe('GrpcWorkerPool discovery through one DNS name (injected resolver)', () => {
  const png = () => distinctPng(7);
  const task = async (sha256: string, bytes: Uint8Array) => ({
    requestId: 'r',
    sha256,
    loadImage: async () => bytes,
    expressions: ['the thing'],
    options: {},
    deadlineMs: 10_000,
    signal: new AbortController().signal,
  });
  const shaOf = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  it('an address that leaves the name gets no new calls, finishes the one it has, then leaves; a new one joins', async () => {
    const [a, b] = await startGpuLikeWorkers(2, { imageMs: 300, expressionMs: 0 }, 20);
    try {
      const dns = new FakeDns('workers.test.invalid');
      dns.set([hostOf(a)]);
      const p = await GrpcWorkerPool.create({ targets: [`dns:${dns.name}:${portOf(a)}`], resolve: dns.resolve, logger: silentLogger, healthIntervalMs: 60_000 });
      pools.push(p);
      expect(p.state().map((s) => s.target)).toEqual([a.target]);
      const bytes = await png();
      const running = p.segment(await task(shaOf(bytes), bytes));
      await vi.waitFor(() => expect(a.inFlight()).toBe(1));
      dns.set([hostOf(b)]);
      await p.refresh();
      // a is still finishing its call, but nothing new goes there.
      expect(p.state().find((s) => s.target === a.target)).toMatchObject({ healthy: false, inFlight: 1 });
      for (let i = 0; i < 50; i++) expect(p.pick(sha(i))?.target).toBe(b.target);
      expect(p.capacity()).toBe(2); // b: one on the device + one prefetched into its queue
      const reply = await running;
      expect(reply.worker).toBe(a.target);
      expect(p.state().map((s) => s.target)).toEqual([b.target]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a worker that refuses a call unrun (DRAINING) is routed around within the same attempt', async () => {
    const ws = await startGpuLikeWorkers(2, { imageMs: 0, expressionMs: 0 }, 50);
    try {
      const p = await pool(ws.map((w) => w.target));
      const bytes = await png();
      const first = p.pick(shaOf(bytes))!.target;
      const leaving = ws.find((w) => w.target === first)!;
      const other = ws.find((w) => w.target !== first)!;
      const drained = leaving.drain(5_000); // refuses for 5 s, and the pool has not health-checked it since
      const reply = await p.segment(await task(shaOf(bytes), bytes));
      expect(reply.worker).toBe(other.target);
      expect(leaving.refused()).toBe(1);
      expect(p.state().find((s) => s.target === first)?.healthy).toBe(false);
      void drained;
    } finally {
      for (const w of ws) w.kill();
    }
  });

  it('a failed lookup keeps the last addresses; "no such name" (no ready pods) empties the pool', async () => {
    const [a] = await startGpuLikeWorkers(1, { imageMs: 0, expressionMs: 0 }, 30);
    try {
      let failure: string | null = null;
      const dns = new FakeDns('workers.test.invalid');
      dns.set([hostOf(a)]);
      const resolve = async (host: string) => {
        if (failure) throw Object.assign(new Error(`lookup ${failure}`), { code: failure });
        return dns.resolve(host);
      };
      const p = await GrpcWorkerPool.create({ targets: [`dns:${dns.name}:${portOf(a)}`], resolve, logger: silentLogger, healthIntervalMs: 60_000 });
      pools.push(p);
      failure = 'EAI_AGAIN';
      await p.refresh();
      expect(p.state()).toMatchObject([{ target: a.target, healthy: true }]);
      expect(p.capacity()).toBe(2);
      failure = 'ENOTFOUND';
      await p.refresh();
      expect(p.state()).toEqual([]);
      expect(p.capacity()).toBe(0);
      failure = null;
      await p.refresh();
      expect(p.state()).toMatchObject([{ target: a.target, healthy: true }]);
    } finally {
      await a.close();
    }
  });

  it('affinity moves an image to a worker with a free slot rather than queueing behind a busy one', async () => {
    const ws = await startGpuLikeWorkers(2, { imageMs: 0, expressionMs: 0 }, 40);
    try {
      const p = await pool(ws.map((w) => w.target));
      const members = (p as unknown as { members: Map<string, { inFlight: number }> }).members;
      const first = p.pick(sha(1))!.target;
      const other = ws.map((w) => w.target).find((t) => t !== first);
      members.get(first)!.inFlight = 1; // its device slot is taken
      expect(p.pick(sha(1))?.target).toBe(other);
      members.get(other!)!.inFlight = 1; // both busy: back to the image's own worker, as a prefetched call
      expect(p.pick(sha(1))?.target).toBe(first);
      members.get(first)!.inFlight = 0;
      members.get(other!)!.inFlight = 0;
    } finally {
      for (const w of ws) await w.close();
    }
  });
});
