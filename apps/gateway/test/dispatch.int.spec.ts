/**
 * Durable dispatch on the real PostgreSQL with workers that speak the real gRPC protocol (test/fake-worker.ts):
 * the full request flow, batching and image affinity, SKIP LOCKED with two gateway replicas, a worker killed
 * mid-run, a gateway that dies mid-run, retries with backoff, permanent failures and cancellation.
 */
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../src/db/database';
import type { DispatcherOptions } from '../src/dispatch/dispatcher';
import { GrpcWorkerPool } from '../src/dispatch/grpc-worker-pool';
import { startGateway, type GatewayRuntime } from '../src/runtime';
import { FAKE_ATTENTION, fakeAttentionValue, fakeBox, startFakeWorker, type FakeWorker } from './fake-worker';
import { gql, makeTenant, silentLogger, upload } from './harness';
import { pngNoise } from './images';
import { useClonedDatabase } from './pg';

interface Replica {
  db: Database;
  pool: GrpcWorkerPool;
  gw: GatewayRuntime;
  url: string;
  close(mode?: 'handback' | 'abandon'): Promise<void>;
}

const database = useClonedDatabase();
const { cleanups } = database;

async function replica(workers: FakeWorker[], dispatcher: DispatcherOptions = {}, startDispatcher = true): Promise<Replica> {
  const db = await openPostgres(database.url, { poolMax: 4 });
  const pool = await GrpcWorkerPool.create({ targets: workers.map((w) => w.target), logger: silentLogger, healthIntervalMs: 200 });
  const gw = await startGateway({
    db,
    logger: silentLogger,
    pool,
    dispatcher: { pollMs: 200, leaseMs: 5_000, backoffBaseMs: 50, backoffMaxMs: 200, ...dispatcher },
    settings: { authCacheMs: 0, waitRecheckMs: 500 },
    startDispatcher,
  });
  const port = await gw.listen(0);
  let closed = false;
  const r: Replica = {
    db,
    pool,
    gw,
    url: `http://127.0.0.1:${port}`,
    close: async (mode = 'handback') => {
      if (closed) return;
      closed = true;
      await gw.stop(mode);
      await pool.close();
      await db.close();
    },
  };
  cleanups.push(() => r.close());
  return r;
}

async function worker(options: Parameters<typeof startFakeWorker>[0] = {}): Promise<FakeWorker> {
  const w = await startFakeWorker(options);
  cleanups.push(() => w.close());
  return w;
}

const SEGMENT = 'mutation($img: ID!, $ex: [String!]!) { segment(imageId: $img, expressions: $ex) { id } }';
const WAIT = `query($ids: [ID!]!, $t: Int) { waitForSegmentations(ids: $ids, timeoutSeconds: $t) {
  id expression status attempts worker rootWord gpuMs error { code message } mask { rle { size counts } box area } } }`;

async function waitAll(url: string, token: string, ids: string[], timeoutSeconds = 30) {
  const r = await gql(url, token, WAIT, { ids, t: timeoutSeconds });
  expect(r.errors).toBeUndefined();
  return r.data!.waitForSegmentations as any[];
}

async function seed(r: Replica, name: string, images: number, expressionsPerImage: number) {
  const t = await makeTenant(r.gw.services, name);
  const ids: string[] = [];
  const expected = new Map<string, string>();
  for (let i = 0; i < images; i++) {
    const img = (await upload(r.url, t.token, await pngNoise(24 + i, 20, i + 1))).body.image.id;
    const ex = Array.from({ length: expressionsPerImage }, (_, j) => `${name} object ${i}-${j}`);
    const res = await gql(r.url, t.token, SEGMENT, { img, ex });
    expect(res.errors).toBeUndefined();
    res.data!.segment.forEach((s: any, j: number) => {
      ids.push(s.id);
      expected.set(s.id, ex[j]);
    });
  }
  return { ...t, ids, expected };
}

/** Every request finished exactly once: one result row, one GPU usage event, and the worker computed it once. */
async function expectExactlyOnce(db: Database, ids: string[], workers: FakeWorker[], expected: Map<string, string>) {
  const rows = await db.prisma.segmentationRequest.findMany({ where: { id: { in: ids } } });
  expect(rows.every((r) => r.status === 'SUCCEEDED')).toBe(true);
  for (const r of rows) expect((r.maskRle as { counts: string }).counts).toBe(`fake:${expected.get(r.id)}`);
  const events = await db.prisma.usageEvent.groupBy({ by: ['requestId'], where: { requestId: { in: ids }, kind: 'GPU_MS' }, _count: { _all: true } });
  expect(events).toHaveLength(ids.length);
  expect(events.every((e) => e._count._all === 1)).toBe(true);
  const rollup = await db.prisma.usageRollup.aggregate({ _sum: { gpuMs: true } });
  const sumRows = rows.reduce((a, r) => a + (r.gpuMs ?? 0), 0);
  expect(Number(rollup._sum.gpuMs ?? 0)).toBeGreaterThanOrEqual(sumRows);
  const computed = workers.flatMap((w) => w.calls.flatMap((c) => c.expressions));
  const wanted = ids.map((id) => expected.get(id) as string);
  for (const e of wanted) expect(computed.filter((x) => x === e).length).toBeGreaterThanOrEqual(1);
}

async function getRows(url: string, ids: string[]) {
  const probe = await openPostgres(url, { poolMax: 1 });
  try {
    return await probe.prisma.segmentationRequest.findMany({ where: { id: { in: ids } } });
  } finally {
    await probe.close();
  }
}

describe('dispatch', () => {
  it('runs the full flow: upload, three expressions on one image, wait, results in one batched call', async () => {
    const w1 = await worker();
    const w2 = await worker();
    const r = await replica([w1, w2]);
    const t = await makeTenant(r.gw.services, 'flow');
    const png = await pngNoise(40, 30, 9);
    const img = (await upload(r.url, t.token, png)).body.image.id;
    const ex = ['the red car', 'the dog on the left', 'the tall tree'];
    const ids = (await gql(r.url, t.token, SEGMENT, { img, ex })).data!.segment.map((s: any) => s.id);
    const done = await waitAll(r.url, t.token, ids);
    expect(done.map((d) => d.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    done.forEach((d, i) => {
      expect(d.expression).toBe(ex[i]);
      expect(d.mask.rle).toEqual({ size: [30, 40], counts: `fake:${ex[i]}` });
      expect(d.mask.box).toEqual(fakeBox(ex[i], 40, 30));
      expect(d.rootWord).toBe(ex[i].split(' ').pop());
      expect(d.gpuMs).toBeGreaterThan(0);
      expect(d.attempts).toBe(1);
    });
    // One worker call carried all three expressions, with the bytes sent once (hash first, then bytes).
    const calls = [...w1.calls, ...w2.calls];
    expect(calls).toHaveLength(1);
    expect(calls[0].expressions).toEqual(ex);
    expect(calls[0].sentBytes).toBe(true);
    // Affinity: the next expressions on the same image go to the worker that holds it, without the bytes.
    const owner = w1.calls.length ? w1 : w2;
    const more = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the sky'] })).data!.segment.map((s: any) => s.id);
    await waitAll(r.url, t.token, more);
    expect(owner.calls).toHaveLength(2);
    expect(owner.calls[1]).toMatchObject({ expressions: ['the sky'], sentBytes: false });
    // Usage: GPU time recorded with the results.
    const usage = await gql(r.url, t.token, 'query($f: DateTime!, $t: DateTime!) { usage(from: $f, to: $t) { totals { requests expressions images gpuMs failures } } }', {
      f: new Date(Date.now() - 3_600_000).toISOString(),
      t: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(usage.data!.usage.totals).toMatchObject({ requests: 3, expressions: 4, images: 1, failures: 0 });
    expect(usage.data!.usage.totals.gpuMs).toBeGreaterThan(0);
  });

  it("keeps workers' image caches per tenant: B gets no cache hit, no cheaper bill, on bytes A processed (IMAGE_CACHE_SCOPE)", async () => {
    const png = await pngNoise(30, 20, 77);
    const run = async (scope: 'tenant' | 'global') => {
      const w = await worker();
      const r = await replica([w], { imageCacheScope: scope });
      const [ta, tb] = [await makeTenant(r.gw.services, `cache-a-${scope}`), await makeTenant(r.gw.services, `cache-b-${scope}`)];
      const gpu: number[] = [];
      const images: string[] = [];
      for (const t of [ta, tb]) {
        const img = (await upload(r.url, t.token, png)).body.image.id;
        images.push(img);
        const ids = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the same thing'] })).data!.segment.map((x: any) => x.id);
        gpu.push((await waitAll(r.url, t.token, ids))[0].gpuMs);
      }
      await r.close();
      return { calls: w.calls, gpu, ta, tb, images };
    };
    const isolated = await run('tenant');
    // B's call is a miss: the bytes travel again and B pays the image-side time A paid.
    expect(isolated.calls.map((c) => c.sentBytes)).toEqual([true, true]);
    expect(isolated.calls.map((c) => c.cacheNamespace)).toEqual([
      `t:${isolated.ta.tenant.id}:i:${isolated.images[0]}`,
      `t:${isolated.tb.tenant.id}:i:${isolated.images[1]}`,
    ]);
    expect(isolated.gpu[1]).toBe(isolated.gpu[0]);
    // The documented trade-off: one shared namespace, so B hits A's cached image (and learns it was processed).
    const shared = await run('global');
    expect(shared.calls.map((c) => c.sentBytes)).toEqual([true, false]);
    expect(shared.gpu[1]).toBeLessThan(shared.gpu[0]);
  });

  it('returns the attention heat map as an 8-bit PNG only when asked, and only to its tenant', async () => {
    const w = await worker();
    const r = await replica([w]);
    const t = await makeTenant(r.gw.services, 'attention');
    const other = await makeTenant(r.gw.services, 'attention-other');
    const img = (await upload(r.url, t.token, await pngNoise(30, 20, 4))).body.image.id;
    const SEG_OPTS = 'mutation($img: ID!, $ex: [String!]!, $o: SegmentOptionsInput) { segment(imageId: $img, expressions: $ex, options: $o) { id options } }';
    const ex = ['the odd one', 'the even one'];
    const asked = await gql(r.url, t.token, SEG_OPTS, { img, ex, o: { returnAttention: true } });
    expect(asked.errors).toBeUndefined();
    expect(asked.data!.segment[0].options).toMatchObject({ returnAttention: true });
    const plain = await gql(r.url, t.token, SEG_OPTS, { img, ex: ['the plain one'] });
    const ids = [...asked.data!.segment.map((s: any) => s.id), plain.data!.segment[0].id];
    await waitAll(r.url, t.token, ids);
    const q = 'query($ids: [ID!]!) { waitForSegmentations(ids: $ids, timeoutSeconds: 0) { id status attentionMapPng } }';
    const rows = (await gql(r.url, t.token, q, { ids })).data!.waitForSegmentations as any[];
    expect(rows.map((x) => x.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(rows[2].attentionMapPng).toBeNull();
    const { default: sharp } = await import('sharp');
    for (const [i, e] of ex.entries()) {
      const url = rows[i].attentionMapPng as string;
      expect(url).toMatch(/^data:image\/png;base64,/);
      const png = Buffer.from(url.split(',')[1], 'base64');
      expect(png[25], 'PNG colour type: grayscale').toBe(0);
      const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([FAKE_ATTENTION.width, FAKE_ATTENTION.height, 1]);
      for (const [x, y] of [[0, 0], [1, 0], [7, 0], [3, 2], [7, 5]]) {
        expect(data[y * info.width + x], `${e} (${x}, ${y})`).toBe(Math.round(fakeAttentionValue(e, x, y) * 255));
      }
    }
    // The stored map is the PNG, a few hundred bytes, not 4 bytes per float.
    const row = await r.db.prisma.segmentationRequest.findFirstOrThrow({ where: { id: ids[0] } });
    expect(Buffer.from(row.attentionPng ?? []).subarray(1, 4).toString()).toBe('PNG');
    // Another tenant cannot read it: NOT_FOUND, as for any of the request's fields.
    const stolen = await gql(r.url, other.token, 'query($id: ID!) { segmentation(id: $id) { attentionMapPng } }', { id: ids[0] });
    expect(stolen.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(stolen.data).toBeNull();
  });

  it('splits the queue between two gateway replicas (SKIP LOCKED) with no request run twice', async () => {
    const w1 = await worker({ delayMs: 30, maxConcurrent: 2 });
    const w2 = await worker({ delayMs: 30, maxConcurrent: 2 });
    const r1 = await replica([w1, w2], { maxBatch: 2 }, false);
    const r2 = await replica([w1, w2], { maxBatch: 2 }, false);
    const s = await seed(r1, 'replicas', 8, 5);
    // Both replicas dispatch from the same table at once; each claims at most 8 rows per round.
    r1.gw.dispatcher?.start();
    r2.gw.dispatcher?.start();
    await waitAll(r1.url, s.token, s.ids.slice(0, 40));
    await expectExactlyOnce(r1.db, s.ids, [w1, w2], s.expected);
    const computed = [w1, w2].flatMap((w) => w.calls.flatMap((c) => c.expressions));
    // No worker ever computed a request twice (calls refused with RESOURCE_EXHAUSTED compute nothing).
    expect(computed.length).toBe(s.ids.length);
    expect(new Set(computed).size).toBe(s.ids.length);
    const f1 = r1.gw.dispatcher?.finishedCount ?? 0;
    const f2 = r2.gw.dispatcher?.finishedCount ?? 0;
    expect(f1).toBeGreaterThan(0);
    expect(f2).toBeGreaterThan(0);
    expect(f1 + f2).toBe(s.ids.length);
  });

  it('loses and duplicates nothing when one of two workers is killed mid-run', async () => {
    const w1 = await worker({ delayMs: 150, maxConcurrent: 2 });
    const w2 = await worker({ delayMs: 150, maxConcurrent: 2 });
    const r = await replica([w1, w2], { maxBatch: 2 }, false);
    const s = await seed(r, 'killed', 10, 3);
    r.gw.dispatcher?.start();
    // Kill the first worker as soon as it is computing something.
    for (let i = 0; i < 1000 && w1.inFlight() === 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(w1.inFlight()).toBeGreaterThan(0);
    w1.kill();
    const done = await waitAll(r.url, s.token, s.ids);
    expect(done.filter((d) => d.status !== 'SUCCEEDED')).toEqual([]);
    await expectExactlyOnce(r.db, s.ids, [w1, w2], s.expected);
    // The requests w1 was computing were retried on w2.
    expect(done.some((d) => d.attempts > 1 && d.worker === w2.target)).toBe(true);
    expect(done.every((d) => d.worker === w2.target || d.worker === w1.target)).toBe(true);
  });

  it('resumes the queue when the gateway dies mid-run (expired leases are re-claimed)', async () => {
    const w = await worker({ delayMs: 400, maxConcurrent: 2 });
    const r1 = await replica([w], { leaseMs: 600, maxBatch: 2 }, false);
    const s = await seed(r1, 'restart', 4, 2);
    r1.gw.dispatcher?.start();
    for (let i = 0; i < 1000 && (r1.gw.dispatcher?.inFlightCount() ?? 0) === 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(r1.gw.dispatcher?.inFlightCount()).toBeGreaterThan(0);
    // The replica dies: its leases stay in the database until they expire.
    await r1.close('abandon');
    const probe = await openPostgres(database.url, { poolMax: 1 });
    const leased = await probe.prisma.segmentationRequest.count({ where: { id: { in: s.ids }, status: 'RUNNING' } });
    await probe.close();
    expect(leased).toBeGreaterThan(0);
    const r2 = await replica([w], { leaseMs: 600, maxBatch: 2 });
    const done = await waitAll(r2.url, s.token, s.ids);
    expect(done.every((d) => d.status === 'SUCCEEDED')).toBe(true);
    expect(done.some((d) => d.attempts === 2)).toBe(true);
    const events = await r2.db.prisma.usageEvent.count({ where: { requestId: { in: s.ids }, kind: 'GPU_MS' } });
    expect(events).toBe(s.ids.length);
  });

  it('hands a batch queued on an idle replica to its own dispatcher, and loses nothing when the replica dies before taking it', async () => {
    const w = await worker();
    const r1 = await replica([w], { pollMs: 60_000 });
    const t = await makeTenant(r1.gw.services, 'handoff');
    const img = (await upload(r1.url, t.token, await pngNoise(20, 20, 3))).body.image.id;
    // idle (its first claim found nothing): the batch goes straight to this dispatcher — no NOTIFY, no claim
    const idle = () => {
      const h = r1.gw.dispatcher?.reserve() ?? null;
      h?.release();
      return h !== null;
    };
    await expect.poll(idle).toBe(true);
    const queue = r1.gw.services.queue;
    const claim = queue.claim.bind(queue);
    let claims = 0;
    queue.claim = (...args) => ((claims += 1), claim(...args));
    const first = (await gql(r1.url, t.token, SEGMENT, { img, ex: ['the first'] })).data!.segment.map((s: any) => s.id);
    const [done] = await waitAll(r1.url, t.token, first, 10);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    expect(claims).toBe(0);
    // The replica dies between queueing a handed-off batch and running it: the batch is in the database, leased to
    // the dead replica (inserted so, no NOTIFY went out for it), and the next replica's claim takes it once the lease
    // (5 s here) expires.
    const d = r1.gw.dispatcher!;
    d.reserve = () => ({ lease: { owner: d.owner, leaseMs: 5_000 }, take: () => undefined, release: () => undefined });
    const orphan = (await gql(r1.url, t.token, SEGMENT, { img, ex: ['the orphan'] })).data!.segment.map((s: any) => s.id);
    await r1.close('abandon');
    const [row] = await getRows(database.url, orphan);
    expect(row).toMatchObject({ status: 'RUNNING', attempts: 1, leaseOwner: d.owner });
    const r2 = await replica([w], { pollMs: 200 });
    const [after] = await waitAll(r2.url, t.token, orphan, 20);
    expect(after).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(w.calls.filter((c) => c.expressions.includes('the orphan'))).toHaveLength(1);
  });

  it('hands rows back at once on a graceful stop, without spending an attempt', async () => {
    const w = await worker({ delayMs: 3_000, maxConcurrent: 1 });
    const r1 = await replica([w], {}, false);
    const s = await seed(r1, 'handback', 2, 1);
    r1.gw.dispatcher?.start();
    for (let i = 0; i < 1000 && (r1.gw.dispatcher?.inFlightCount() ?? 0) === 0; i++) await new Promise((res) => setTimeout(res, 10));
    await r1.close('handback');
    const probe = await openPostgres(database.url, { poolMax: 1 });
    const rows = await probe.prisma.segmentationRequest.findMany({ where: { id: { in: s.ids } } });
    await probe.close();
    expect(rows.map((x) => [x.status, x.attempts])).toEqual(rows.map(() => ['QUEUED', 0]));
    const r2 = await replica([w]);
    const done = await waitAll(r2.url, s.token, s.ids);
    expect(done.map((d) => [d.status, d.attempts])).toEqual([
      ['SUCCEEDED', 1],
      ['SUCCEEDED', 1],
    ]);
  });

  it('retries RESOURCE_EXHAUSTED with backoff, fails permanent errors at once, and gives up after maxAttempts', async () => {
    const w = await worker({ failNext: { status: grpc.status.RESOURCE_EXHAUSTED, code: 'QUEUE_FULL', count: 2 } });
    const r = await replica([w]);
    const t = await makeTenant(r.gw.services, 'retries');
    const img = (await upload(r.url, t.token, await pngNoise(20, 20, 3))).body.image.id;
    const [id] = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the cat'] })).data!.segment.map((x: any) => x.id);
    const [ok] = await waitAll(r.url, t.token, [id]);
    expect(ok).toMatchObject({ status: 'SUCCEEDED', attempts: 3 });

    // A per-expression error from the worker fails that request only, counted as a failure.
    const two = (await gql(r.url, t.token, SEGMENT, { img, ex: ['!fail me', 'the dog'] })).data!.segment.map((x: any) => x.id);
    const res = await waitAll(r.url, t.token, two);
    expect(res.map((x) => [x.status, x.error?.code ?? null])).toEqual([
      ['FAILED', 'EXPRESSION_EMPTY'],
      ['SUCCEEDED', null],
    ]);

    // INVALID_ARGUMENT is permanent: one attempt.
    w.options.failNext = { status: grpc.status.INVALID_ARGUMENT, code: 'INVALID_ARGUMENT', count: 1 };
    const [bad] = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the bird'] })).data!.segment.map((x: any) => x.id);
    expect((await waitAll(r.url, t.token, [bad]))[0]).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'INVALID_ARGUMENT' } });

    // UNAVAILABLE every time: retried up to maxAttempts (5), then FAILED.
    w.options.failNext = { status: grpc.status.UNAVAILABLE, code: 'DRAINING', count: 100 };
    const [gone] = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the fish'] })).data!.segment.map((x: any) => x.id);
    expect((await waitAll(r.url, t.token, [gone]))[0]).toMatchObject({ status: 'FAILED', attempts: 5, error: { code: 'DRAINING' } });
    w.options.failNext = undefined;
    const usage = await r.db.prisma.usageRollup.aggregate({ where: { tenantId: t.tenant.id }, _sum: { failures: true } });
    expect(usage._sum.failures).toBe(3);
  });

  it('stores what a worker sends that PostgreSQL cannot (U+0000 in a root word, an error message) as U+FFFD, first attempt', async () => {
    const w = await worker({ textSuffix: ' \u0000x' });
    const r = await replica([w]);
    const t = await makeTenant(r.gw.services, 'nul');
    const img = (await upload(r.url, t.token, await pngNoise(20, 20, 5))).body.image.id;
    const ids = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the cat', '!fail me'] })).data!.segment.map((x: any) => x.id);
    const [ok, failed] = await waitAll(r.url, t.token, ids);
    expect(ok).toMatchObject({ status: 'SUCCEEDED', attempts: 1, rootWord: 'cat \uFFFDx' });
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'EXPRESSION_EMPTY', message: 'no noun \uFFFDx' } });
    // a worker-level error message is requeued with the attempt's error, then stored the same way
    w.options.failNext = { status: grpc.status.UNAVAILABLE, code: 'DRAINING', count: 100, message: 'going \u0000away' };
    const [gone] = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the dog'] })).data!.segment.map((x: any) => x.id);
    expect((await waitAll(r.url, t.token, [gone]))[0]).toMatchObject({ status: 'FAILED', attempts: 5, error: { code: 'DRAINING', message: 'going \uFFFDaway' } });
  });

  it('drops the result of a request cancelled while running', async () => {
    const w = await worker({ delayMs: 500 });
    const r = await replica([w]);
    const t = await makeTenant(r.gw.services, 'cancel');
    const img = (await upload(r.url, t.token, await pngNoise(20, 20, 4))).body.image.id;
    const [id] = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the boat'] })).data!.segment.map((x: any) => x.id);
    for (let i = 0; i < 1000 && w.inFlight() === 0; i++) await new Promise((res) => setTimeout(res, 10));
    const c = await gql(r.url, t.token, 'mutation($id: ID!) { cancelSegmentation(id: $id) { status } }', { id });
    expect(c.data!.cancelSegmentation.status).toBe('CANCELLED');
    await new Promise((res) => setTimeout(res, 800));
    const row = await r.db.prisma.segmentationRequest.findUniqueOrThrow({ where: { id } });
    expect(row.status).toBe('CANCELLED');
    expect(row.maskRle).toBeNull();
    expect(await r.db.prisma.usageEvent.count({ where: { requestId: id } })).toBe(0);
  });

  it('records the results of calls that finish while a result statement runs in one statement; a failing item fails alone; a cancellation racing the result wins', async () => {
    const r = await replica([await worker(), await worker()]);
    const t = await makeTenant(r.gw.services, 'grouped');
    const imgs: string[] = [];
    for (let i = 0; i < 4; i++) imgs.push((await upload(r.url, t.token, await pngNoise(20 + i, 20, 40 + i))).body.image.id);
    const queue = r.gw.services.queue;
    const dispatcher = r.gw.dispatcher!;
    const finish = queue.finish.bind(queue);
    const statements: string[][] = [];
    let open!: () => void;
    let gate: Promise<void> | null = new Promise<void>((res) => (open = res));
    let poison: string | null = null;
    // the first result statement waits until the other calls' results have gathered; `poison` gets a message
    // PostgreSQL cannot store (a NUL), once: its statement fails, as a bad item would
    queue.finish = async (owner, items, at) => {
      statements.push(items.map((x) => x.id));
      if (gate) {
        const g = gate;
        gate = null;
        await g;
      }
      const bad = items.find((x) => x.id === poison);
      if (bad && items.length === 1) poison = null;
      return finish(owner, items.map((x) => (x === bad ? { ...x, outcome: { status: 'FAILED' as const, worker: null, errorCode: 'INTERNAL', errorMessage: 'nul \u0000', gpuMs: 0 } } : x)), at);
    };
    const segment = async (img: string, ex: string[]) => (await gql(r.url, t.token, SEGMENT, { img, ex })).data!.segment.map((x: any) => x.id as string);
    const [first] = await segment(imgs[0], ['the first']);
    await expect.poll(() => statements.length).toBe(1);
    const [a1, a2] = await segment(imgs[1], ['the a1', 'the a2']);
    const [b1] = await segment(imgs[2], ['the b1']);
    const [c1] = await segment(imgs[3], ['the c1']);
    // three more calls done, their results waiting behind the held statement
    await expect.poll(() => [a1, a2, b1, c1].every((id) => dispatcher.isFinishing(id)), { timeout: 10_000 }).toBe(true);
    expect(statements).toHaveLength(1);
    const c = await gql(r.url, t.token, 'mutation($id: ID!) { cancelSegmentation(id: $id) { status } }', { id: c1 });
    expect(c.data!.cancelSegmentation.status).toBe('CANCELLED');
    poison = a2;
    open();
    const done = await waitAll(r.url, t.token, [first, a1, a2, b1, c1]);
    expect(done.map((d) => [d.status, d.attempts])).toEqual([
      ['SUCCEEDED', 1],
      ['SUCCEEDED', 1],
      // its grouped statement failed; alone it failed again, so it ran again once its lease expired
      ['SUCCEEDED', 2],
      ['SUCCEEDED', 1],
      ['CANCELLED', 1],
    ]);
    // one statement for the three calls, then one by one after it failed, then a2's second run
    expect(statements[0]).toEqual([first]);
    expect(new Set(statements[1])).toEqual(new Set([a1, a2, b1, c1]));
    expect(statements.slice(2, 6).flat().sort()).toEqual([a1, a2, b1, c1].sort());
    expect(statements.slice(6)).toEqual([[a2]]);
    // usage counted once for each result written, none for the cancelled request
    const events = await r.db.prisma.usageEvent.findMany({ where: { tenantId: t.tenant.id, kind: { in: ['GPU_MS', 'FAILURE'] } } });
    expect(events.filter((e) => e.kind === 'FAILURE')).toEqual([]);
    const gpu = events.filter((e) => e.quantity > 0);
    expect(gpu.every((e) => [first, a1, a2, b1].includes(e.requestId as string))).toBe(true);
    expect(new Set(gpu.map((e) => e.requestId)).size).toBe(gpu.length);
    expect(gpu.some((e) => e.requestId === c1)).toBe(false);
    const rows = await r.db.prisma.segmentationRequest.findMany({ where: { id: { in: [first, a1, a2, b1, c1] } } });
    const rollup = await r.db.prisma.usageRollup.aggregate({ where: { tenantId: t.tenant.id }, _sum: { gpuMs: true, failures: true } });
    expect(Number(rollup._sum.gpuMs ?? 0)).toBe(rows.reduce((a, x) => a + (x.status === 'SUCCEEDED' ? (x.gpuMs ?? 0) : 0), 0));
    expect(rollup._sum.failures).toBe(0);
    expect(rows.find((x) => x.id === c1)!.maskRle).toBeNull();
  });

  it('long-polls: waitForSegmentations returns on completion, not at the timeout', async () => {
    const w = await worker({ delayMs: 300 });
    const r = await replica([w]);
    const t = await makeTenant(r.gw.services, 'longpoll');
    const img = (await upload(r.url, t.token, await pngNoise(20, 20, 5))).body.image.id;
    const ids = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the lamp'] })).data!.segment.map((x: any) => x.id);
    const started = Date.now();
    const [d] = await waitAll(r.url, t.token, ids, 30);
    expect(d.status).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeLessThan(20_000);
    // A zero timeout answers at once with the current state.
    const q = (await gql(r.url, t.token, SEGMENT, { img, ex: ['the desk'] })).data!.segment.map((x: any) => x.id);
    const [now] = await waitAll(r.url, t.token, q, 0);
    expect(['QUEUED', 'RUNNING']).toContain(now.status);
  });

  it('shows the worker pool, each worker\'s queue depth and image cache hit rate, and the queue to ADMIN keys', async () => {
    const w = await worker({ queueDepth: 3 });
    const r = await replica([w]);
    const adminTenant = await r.gw.services.tenants.create('ops');
    const { token } = await r.gw.services.apiKeys.create(adminTenant.id, 'admin', ['ADMIN', 'READ']);
    const POOL = '{ workerPool { workers { target healthy maxConcurrent queueDepth packName cache { entries bytes capacityBytes hits misses hitRate } } queue { queued running succeeded } } }';
    const res = await gql(r.url, token, POOL);
    expect(res.data!.workerPool.workers).toEqual([
      { target: w.target, healthy: true, maxConcurrent: 4, queueDepth: 3, packName: 'fake', cache: expect.any(Object) },
    ]);
    // One image, three calls: a miss (hash first, then bytes), then two hits. (Rows other tests of this file left
    // queued may reach this worker too: the figures are compared with the worker's own, once the queue is empty.)
    const t = await makeTenant(r.gw.services, 'cache-user');
    const img = (await upload(r.url, t.token, await pngNoise(16, 16, 3))).body.image.id;
    for (const ex of [['the cup'], ['the pen'], ['the book']]) {
      const ids = (await gql(r.url, t.token, SEGMENT, { img, ex })).data!.segment.map((s: any) => s.id);
      await waitAll(r.url, t.token, ids);
    }
    await expect.poll(async () => {
      const q = (await gql(r.url, token, POOL)).data!.workerPool.queue;
      return q.queued + q.running;
    }, { timeout: 15_000 }).toBe(0);
    await r.pool.refresh();
    const after = (await gql(r.url, token, POOL)).data!.workerPool.workers[0].cache;
    const own = w.cacheStats();
    expect(own.hits).toBeGreaterThanOrEqual(2);
    expect(own.misses).toBeGreaterThanOrEqual(1);
    expect(after).toEqual({ ...own, hitRate: own.hits / (own.hits + own.misses) });
    // Tenant keys do not see the pool.
    expect((await gql(r.url, t.token, POOL)).errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});
