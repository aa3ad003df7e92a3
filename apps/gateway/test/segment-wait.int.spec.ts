/**
 * `segment(…, waitSeconds)`: one operation that queues and then waits as `waitForSegmentations` does — final
 * results, the timeout, cancellation while waiting, tenancy and scopes, the bounds, idempotent replays.
 */
import { describe, expect, it, vi } from 'vitest';
import { openPostgres } from '../src/db/database';
import { GrpcWorkerPool } from '../src/dispatch/grpc-worker-pool';
import { startGateway } from '../src/runtime';
import { SegmentationRepository } from '../src/segmentation/segmentation.repository';
import { startFakeWorker, type FakeWorker } from './fake-worker';
import { codes, gql, makeTenant, silentLogger, upload } from './harness';
import { pngNoise } from './images';
import { useClonedDatabase } from './pg';

const database = useClonedDatabase();
const { cleanups } = database;

async function setup(workerOptions: Parameters<typeof startFakeWorker>[0] = {}, waitRecheckMs = 500) {
  const w: FakeWorker = await startFakeWorker(workerOptions);
  cleanups.push(() => w.close());
  const db = await openPostgres(database.url, { poolMax: 4 });
  const pool = await GrpcWorkerPool.create({ targets: [w.target], logger: silentLogger, healthIntervalMs: 200 });
  const gw = await startGateway({
    db,
    logger: silentLogger,
    pool,
    dispatcher: { pollMs: 200, leaseMs: 5_000, backoffBaseMs: 50, backoffMaxMs: 200 },
    settings: { authCacheMs: 0, waitRecheckMs },
  });
  const url = `http://127.0.0.1:${await gw.listen(0)}`;
  cleanups.push(async () => {
    await gw.stop('handback');
    await pool.close();
    await db.close();
  });
  return { w, db, gw, url };
}

const SEGMENT_WAIT = `mutation($img: ID!, $ex: [String!]!, $wait: Int, $key: String) {
  segment(imageId: $img, expressions: $ex, waitSeconds: $wait, idempotencyKey: $key) { id expression status attempts mask { area } } }`;

describe('segment with waitSeconds', () => {
  it('returns the final results in one operation, in expression order, as soon as they are done', async () => {
    const { url, gw } = await setup({ delayMs: 200 });
    const t = await makeTenant(gw.services, 'wait-final');
    const img = (await upload(url, t.token, await pngNoise(20, 20, 1))).body.image.id;
    const started = Date.now();
    const r = await gql(url, t.token, SEGMENT_WAIT, { img, ex: ['the cup', 'the pen'], wait: 30 });
    expect(r.errors).toBeUndefined();
    expect(r.data!.segment.map((s: any) => [s.expression, s.status])).toEqual([
      ['the cup', 'SUCCEEDED'],
      ['the pen', 'SUCCEEDED'],
    ]);
    expect(r.data!.segment.every((s: any) => s.mask.area > 0)).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
    // the same rows as a later read
    const again = await gql(url, t.token, 'query($ids: [ID!]!) { waitForSegmentations(ids: $ids, timeoutSeconds: 0) { id status } }', {
      ids: r.data!.segment.map((s: any) => s.id),
    });
    expect(again.data!.waitForSegmentations.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // absent or 0: returns at once, as before
    const now = await gql(url, t.token, SEGMENT_WAIT, { img, ex: ['the book'], wait: 0 });
    expect(['QUEUED', 'RUNNING']).toContain(now.data!.segment[0].status);
  });

  it('returns the requests as they stand when the wait ends first', async () => {
    const { url, gw } = await setup({ delayMs: 10_000 });
    const t = await makeTenant(gw.services, 'wait-timeout');
    const img = (await upload(url, t.token, await pngNoise(20, 20, 2))).body.image.id;
    const started = Date.now();
    const r = await gql(url, t.token, SEGMENT_WAIT, { img, ex: ['the slow one'], wait: 1 });
    const took = Date.now() - started;
    expect(r.errors).toBeUndefined();
    expect(['QUEUED', 'RUNNING']).toContain(r.data!.segment[0].status);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(8_000);
  });

  it('returns when a request is cancelled while it waits', async () => {
    const { url, gw, db } = await setup({ delayMs: 10_000 });
    const t = await makeTenant(gw.services, 'wait-cancel');
    const img = (await upload(url, t.token, await pngNoise(20, 20, 3))).body.image.id;
    const started = Date.now();
    const waiting = gql(url, t.token, SEGMENT_WAIT, { img, ex: ['the boat'], wait: 30 });
    // (rows earlier tests left queued may be on the worker too: wait for this one to run)
    const running = () => db.prisma.segmentationRequest.findFirst({ where: { expression: 'the boat', tenantId: t.tenant.id, status: 'RUNNING' } });
    await expect.poll(running, { timeout: 10_000, interval: 20 }).not.toBeNull();
    const row = (await running())!;
    const c = await gql(url, t.token, 'mutation($id: ID!) { cancelSegmentation(id: $id) { status } }', { id: row.id });
    expect(c.data!.cancelSegmentation.status).toBe('CANCELLED');
    const r = await waiting;
    expect(r.errors).toBeUndefined();
    expect(r.data!.segment[0]).toMatchObject({ id: row.id, status: 'CANCELLED', mask: null });
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  it('reads nothing more in the dispatching replica: the rows come with the result statement, even when its NOTIFY is first', async () => {
    // (no slow re-check within the test: any read would come from a NOTIFY announcing a row without it)
    const { url, gw } = await setup({}, 60_000);
    const t = await makeTenant(gw.services, 'wait-no-reads');
    const img = (await upload(url, t.token, await pngNoise(20, 20, 6))).body.image.id;
    const reads = vi.spyOn(SegmentationRepository.prototype, 'getMany');
    try {
      for (let i = 0; i < 30; i++) {
        const r = await gql(url, t.token, SEGMENT_WAIT, { img, ex: [`thing ${i}`], wait: 30 });
        expect(r.data!.segment[0].status).toBe('SUCCEEDED');
      }
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
  });

  it('keeps the same rules as segment: bounds checked before anything is queued, tenancy, scopes, replays', async () => {
    const { url, gw, db } = await setup({ delayMs: 50 });
    const a = await makeTenant(gw.services, 'wait-a');
    const b = await makeTenant(gw.services, 'wait-b');
    const img = (await upload(url, a.token, await pngNoise(20, 20, 4))).body.image.id;
    for (const wait of [-1, 61]) {
      const bad = await gql(url, a.token, SEGMENT_WAIT, { img, ex: [`out of range ${wait}`], wait });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
      expect(bad.errors![0].message).toMatch(/waitSeconds must be 0–60/);
    }
    expect(await db.prisma.segmentationRequest.count({ where: { tenantId: a.tenant.id } })).toBe(0);
    // another tenant's image: NOT_FOUND at once, nothing queued
    const other = await gql(url, b.token, SEGMENT_WAIT, { img, ex: ['not mine'], wait: 30 });
    expect(codes(other)).toEqual(['NOT_FOUND']);
    expect(await db.prisma.segmentationRequest.count({ where: { tenantId: b.tenant.id } })).toBe(0);
    // no key: UNAUTHENTICATED
    expect(codes(await gql(url, null, SEGMENT_WAIT, { img, ex: ['anonymous'], wait: 30 }))).toEqual(['UNAUTHENTICATED']);
    // a SEGMENT-only key waits and sees the status, but a result field still needs READ
    const { token: segOnly } = await gw.services.apiKeys.create(a.tenant.id, 'queuer', ['SEGMENT']);
    const q = await gql(url, segOnly, SEGMENT_WAIT, { img, ex: ['the queuer'], wait: 30, key: 'k1' });
    expect(q.data!.segment[0].status).toBe('SUCCEEDED');
    expect(q.data!.segment[0].mask).toBeNull();
    expect(codes(q)).toEqual(['FORBIDDEN']);
    // a replay with the same idempotency key returns the first call's (final) rows, without queueing again
    const replay = await gql(url, a.token, SEGMENT_WAIT, { img, ex: ['the queuer'], wait: 30, key: 'k1' });
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.segment[0]).toMatchObject({ id: q.data!.segment[0].id, status: 'SUCCEEDED', attempts: 1 });
    expect(replay.data!.segment[0].mask.area).toBeGreaterThan(0);
    expect(await db.prisma.segmentationRequest.count({ where: { tenantId: a.tenant.id } })).toBe(1);
  });
});
