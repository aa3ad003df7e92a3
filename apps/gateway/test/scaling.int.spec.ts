/**
 * Horizontal scaling through DNS discovery, on the real PostgreSQL with stubs that speak the real worker protocol
 * and hold each call like a GPU (one at a time, the rest queued): two gateway replicas find the workers through one
 * name resolving to several loopback addresses (an injected resolver), use all of them at once, and lose nothing
 * when a worker leaves the name (and drains) and another joins mid-run. The figures for a quiet machine come from
 * `refdiff bench platform` (docs/deploy.md); here the bounds are loose, about behaviour, not speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/database';
import { runElasticity, runScaling, type OpenDatabase } from '../src/bench/platform-scenarios';
import { silentLogger } from './harness';
import { cloneTemplate } from './pg';

let openDb: OpenDatabase;
let drop: () => Promise<void>;

beforeAll(async () => {
  const clone = await cloneTemplate();
  drop = clone.drop;
  openDb = async () => {
    const db = await openPostgres(clone.url, { poolMax: 4 });
    return { db, close: () => db.close() };
  };
});
afterAll(() => drop?.());

describe('workers behind one DNS name', () => {
  it('two replicas keep two workers busy at once: both used, calls overlap, each busy most of the time', async () => {
    // 200 ms a call, 16 calls: 1.6 s with both workers busy, 3.2 s if dispatch serialised them.
    const r = await runScaling({
      openDb,
      logger: silentLogger,
      workers: 2,
      replicas: 2,
      requests: 16,
      expressionsPerRequest: 1,
      cost: { imageMs: 180, expressionMs: 20 },
      healthIntervalMs: 200,
      tag: 'scale',
    });
    expect(r.failed).toBe(0);
    expect(r.callsPerWorker.reduce((a, b) => a + b, 0)).toBe(16);
    // Both addresses behind the name took a fair share (not one worker with a straggler call).
    expect(Math.min(...r.callsPerWorker)).toBeGreaterThanOrEqual(5);
    expect(r.peakConcurrentCalls).toBe(2);
    // Generous: with calls serialised, each worker would be busy at most half of the time; the bench's goal is 0.9.
    expect(r.deviceBusy).toBeGreaterThan(0.6);
  });

  it('a worker removed from the name and one added mid-run: nothing lost or run twice, the new worker is used', async () => {
    const r = await runElasticity({
      openDb,
      logger: silentLogger,
      replicas: 2,
      workers: 2,
      requests: 40,
      cost: { imageMs: 20, expressionMs: 5 },
      changeAtFraction: 0.25,
      healthIntervalMs: 200,
      drainGraceMs: 600, // longer than the re-resolution interval: calls sent meanwhile are refused (DRAINING)
      tag: 'elastic',
    });
    expect(r.lost).toBe(0);
    expect(r.succeeded).toBe(40);
    expect(r.ranTwice).toBe(0);
    expect(r.neverRan).toBe(0);
    expect(r.addedWorker.calls).toBeGreaterThan(0);
    // After it left the name, the removed worker ran only calls already sent to it (each replica: one running, one
    // prefetched); whatever reached it while draining was refused and went on to another worker in the same attempt.
    expect(r.removedWorker.callsAfterRemoval).toBeLessThanOrEqual(4);
    expect(r.maxAttempts).toBe(1);
  });
});
