/**
 * The data lifecycle on the real PostgreSQL, through the API a client uses: listing images, deleting one (bytes in
 * the database, the filesystem store or an S3 bucket on s3rver; its segmentations, results and queued work; usage stays), per-tenant
 * retention swept by one replica at a time, and what the workers' cache may serve afterwards.
 */
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../src/db/database';
import { GrpcWorkerPool } from '../src/dispatch/grpc-worker-pool';
import { FilesystemImageStore } from '../src/images/fs-image-store';
import { RETENTION_LOCK_KEY, RetentionSweeper } from '../src/images/retention.sweeper';
import { ImageRepository } from '../src/images/image.repository';
import { TenantRepository } from '../src/tenants/tenant.repository';
import { startGateway, type GatewayRuntime } from '../src/runtime';
import { startFakeWorker, type FakeWorker } from './fake-worker';
import { codes, gql, makeTenant, silentLogger, upload, type GqlResult } from './harness';
import { pngNoise } from './images';
import { useClonedDatabase } from './pg';
import { startS3, type TestS3 } from './s3';

const database = useClonedDatabase();
const { cleanups } = database;
let s3: TestS3;

beforeAll(async () => {
  s3 = await startS3(['lifecycle-images']);
});
afterAll(async () => {
  await s3?.close();
});

type Store = 'database' | 'filesystem' | 's3';

interface Gw {
  db: Database;
  gw: GatewayRuntime;
  url: string;
  worker: FakeWorker;
  /** Whether the store holds bytes under (tenant, sha256), looked up where the store keeps them (null: database). */
  stored: ((tenantId: string, sha256: string) => Promise<boolean>) | null;
}

async function gateway(store: Store, workerOptions: Parameters<typeof startFakeWorker>[0] = {}): Promise<Gw> {
  const worker = await startFakeWorker(workerOptions);
  cleanups.push(() => worker.close());
  const storeDir = store === 'filesystem' ? await mkdtemp(join(tmpdir(), 'refdiff-images-')) : null;
  if (storeDir) cleanups.push(() => rm(storeDir, { recursive: true, force: true }));
  const prefix = `run-${Math.random().toString(36).slice(2)}`;
  const imageStore = storeDir ? new FilesystemImageStore(storeDir) : store === 's3' ? s3.store('lifecycle-images', prefix) : null;
  // Looked up on disk, not through the store's own has(): s3rver keeps an object as <dir>/<bucket>/<key>._S3rver_object.
  const stored =
    store === 'filesystem'
      ? (t: string, h: string) => exists(join(storeDir!, t, h))
      : store === 's3'
        ? (t: string, h: string) => exists(join(s3.directory, 'lifecycle-images', prefix, t, `${h}._S3rver_object`))
        : null;
  const db = await openPostgres(database.url, { poolMax: 4 });
  const pool = await GrpcWorkerPool.create({ targets: [worker.target], logger: silentLogger, healthIntervalMs: 200 });
  const gw = await startGateway({
    db,
    logger: silentLogger,
    pool,
    dispatcher: { pollMs: 100, leaseMs: 1_500, backoffBaseMs: 50, backoffMaxMs: 200 },
    settings: { authCacheMs: 0, waitRecheckMs: 200, retentionSweepMs: 0, imageStore },
  });
  const port = await gw.listen(0);
  cleanups.push(async () => {
    await gw.stop();
    await pool.close();
    await db.close();
  });
  return { db, gw, url: `http://127.0.0.1:${port}`, worker, stored };
}

const SEGMENT = 'mutation($img: ID!, $ex: [String!]!, $k: String) { segment(imageId: $img, expressions: $ex, idempotencyKey: $k) { id } }';
const WAIT = 'query($ids: [ID!]!, $t: Int) { waitForSegmentations(ids: $ids, timeoutSeconds: $t) { id status mask { area } } }';
const DELETE = 'mutation($id: ID!) { deleteImage(id: $id) { id freedBytes deletedSegmentations cancelledSegmentations } }';
const LIST = `query($first: Int, $after: String, $filter: ImageFilter) {
  images(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { id sha256 format byteSize createdAt } } pageInfo { hasNextPage endCursor } } }`;
const USAGE = 'query($f: DateTime!, $t: DateTime!) { usage(from: $f, to: $t) { totals { requests expressions images } } }';
const exists = (path: string) => access(path).then(() => true, () => false);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('images listing', () => {
  it("pages through the tenant's own images newest first, filters, and needs READ", async () => {
    const g = await gateway('database');
    const a = await makeTenant(g.gw.services, 'list-a');
    const b = await makeTenant(g.gw.services, 'list-b');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await upload(g.url, a.token, await pngNoise(12, 10, 100 + i))).body.image.id);
    const other = (await upload(g.url, b.token, await pngNoise(12, 10, 200))).body.image.id;

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const r: GqlResult<any> = await gql(g.url, a.token, LIST, { first: 2, after });
      expect(r.errors).toBeUndefined();
      expect(r.data!.images.totalCount).toBe(5);
      seen.push(...r.data!.images.edges.map((e: any) => e.node.id));
      if (!r.data!.images.pageInfo.hasNextPage) break;
      after = r.data!.images.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    expect(seen).not.toContain(other);

    const sha = (await gql(g.url, a.token, 'query($id: ID!) { image(id: $id) { sha256 } }', { id: ids[2] })).data!.image.sha256;
    const bySha = await gql(g.url, a.token, LIST, { filter: { sha256: sha } });
    expect(bySha.data!.images.edges.map((e: any) => e.node.id)).toEqual([ids[2]]);
    // The same bytes are not visible to another tenant by hash either.
    expect((await gql(g.url, b.token, LIST, { filter: { sha256: sha } })).data!.images.totalCount).toBe(0);
    expect((await gql(g.url, a.token, LIST, { filter: { format: ['JPEG'] } })).data!.images.totalCount).toBe(0);
    expect((await gql(g.url, a.token, LIST, { filter: { createdAfter: new Date(Date.now() + 60_000).toISOString() } })).data!.images.totalCount).toBe(0);

    expect(codes(await gql(g.url, a.token, LIST, { first: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(g.url, a.token, LIST, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(g.url, a.token, LIST, { after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(g.url, a.token, LIST, { filter: { sha256: 'abc' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(g.url, null, LIST))).toEqual(['UNAUTHENTICATED']);
    const segmentOnly = await g.gw.services.apiKeys.create(a.tenant.id, 'uploader', ['SEGMENT']);
    expect(codes(await gql(g.url, segmentOnly.token, LIST))).toEqual(['FORBIDDEN']);
  });
});

describe.each(['database', 'filesystem', 's3'] as const)('deleteImage (bytes in the %s store)', (store) => {
  it('removes the bytes, segmentations and results, cancels queued work, keeps usage; nothing of it is reachable', async () => {
    const g = await gateway(store, { delayMs: 400 });
    const t = await makeTenant(g.gw.services, `del-${store}`);
    const bytes = await pngNoise(24, 18, 7);
    const keep = (await upload(g.url, t.token, await pngNoise(10, 10, 8))).body.image;
    const image = (await upload(g.url, t.token, bytes)).body.image;
    const done = (await gql(g.url, t.token, SEGMENT, { img: image.id, ex: ['the cat', 'the dog'], k: 'first' })).data!.segment.map((x: any) => x.id);
    expect((await gql(g.url, t.token, WAIT, { ids: done, t: 30 })).data!.waitForSegmentations.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const me0 = (await gql(g.url, t.token, '{ me { storedBytes } }')).data!.me.storedBytes;
    expect(me0).toBe(keep.byteSize + image.byteSize);
    const window = { f: new Date(Date.now() - 3_600_000).toISOString(), t: new Date(Date.now() + 3_600_000).toISOString() };
    const usageBefore = (await gql(g.url, t.token, USAGE, window)).data!.usage.totals;

    // Queue more work and delete while it is queued or running.
    const pending = (await gql(g.url, t.token, SEGMENT, { img: image.id, ex: ['the bird', 'the fish'] })).data!.segment.map((x: any) => x.id);
    for (let i = 0; i < 300 && g.worker.inFlight() === 0; i++) await sleep(10);
    const waiting = gql(g.url, t.token, WAIT, { ids: pending, t: 30 });
    const del = await gql(g.url, t.token, DELETE, { id: image.id });
    expect(del.errors).toBeUndefined();
    expect(del.data!.deleteImage).toEqual({ id: image.id, freedBytes: image.byteSize, deletedSegmentations: 4, cancelledSegmentations: 2 });
    // A long poll on its requests is woken and answers NOT_FOUND (not at its timeout).
    const w = await waiting;
    expect(codes(w)).toEqual(['NOT_FOUND']);

    // Nothing of it is reachable through any operation.
    expect(codes(await gql(g.url, t.token, 'query($id: ID!) { image(id: $id) { id } }', { id: image.id }))).toEqual(['NOT_FOUND']);
    for (const id of [...done, ...pending]) {
      expect(codes(await gql(g.url, t.token, 'query($id: ID!) { segmentation(id: $id) { id } }', { id }))).toEqual(['NOT_FOUND']);
    }
    expect(codes(await gql(g.url, t.token, WAIT, { ids: [done[0]], t: 0 }))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(g.url, t.token, 'query($i: ID) { segmentations(filter: { imageId: $i }) { totalCount } }', { i: image.id }))).toEqual(['NOT_FOUND']);
    const all = await gql(g.url, t.token, '{ segmentations(first: 100) { totalCount edges { node { id } } } }');
    expect(all.data!.segmentations.totalCount).toBe(0);
    const listed = await gql(g.url, t.token, LIST, {});
    expect(listed.data!.images.edges.map((e: any) => e.node.id)).toEqual([keep.id]);
    expect(codes(await gql(g.url, t.token, 'mutation($id: ID!) { cancelSegmentation(id: $id) { id } }', { id: pending[0] }))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(g.url, t.token, SEGMENT, { img: image.id, ex: ['the cat'] }))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(g.url, t.token, DELETE, { id: image.id }))).toEqual(['NOT_FOUND']);
    const download = await fetch(`${g.url}/v1/images/${image.id}`, { headers: { authorization: `Bearer ${t.token}` } });
    expect(download.status).toBe(404);

    // Storage usage drops; the bytes are gone from where they were kept; usage history stays.
    expect((await gql(g.url, t.token, '{ me { storedBytes } }')).data!.me.storedBytes).toBe(keep.byteSize);
    expect(await g.db.prisma.image.count({ where: { id: image.id } })).toBe(0);
    expect(await g.db.prisma.segmentationRequest.count({ where: { imageId: image.id } })).toBe(0);
    if (g.stored) expect(await g.stored(t.tenant.id, image.sha256)).toBe(false);
    if (g.stored) expect(await g.stored(t.tenant.id, keep.sha256)).toBe(true);
    else expect(await g.db.prisma.image.count({ where: { id: keep.id, data: { not: null } } })).toBe(1);
    const usageAfter = (await gql(g.url, t.token, USAGE, window)).data!.usage.totals;
    expect(usageAfter.expressions).toBe(usageBefore.expressions + 2);
    expect(usageAfter.images).toBe(usageBefore.images);

    // The running call is abandoned (lease lost) and its result, if any arrives, is dropped: no row reappears.
    for (let i = 0; i < 500 && g.worker.inFlight() > 0; i++) await sleep(10);
    await sleep(600);
    expect(await g.db.prisma.segmentationRequest.count({ where: { tenantId: t.tenant.id } })).toBe(0);

    // Uploading the same bytes again is a new image: new id, no segmentations, the old idempotency key is free,
    // and the workers' cache entry of the deleted image is not used (the bytes travel again).
    const again = (await upload(g.url, t.token, bytes)).body.image;
    expect(again.id).not.toBe(image.id);
    expect(again.sha256).toBe(image.sha256);
    expect((await gql(g.url, t.token, 'query($i: ID) { segmentations(filter: { imageId: $i }) { totalCount } }', { i: again.id })).data!.segmentations.totalCount).toBe(0);
    const callsBefore = g.worker.calls.length;
    const re = (await gql(g.url, t.token, SEGMENT, { img: again.id, ex: ['the cat'], k: 'first' })).data!.segment.map((x: any) => x.id);
    expect(re).not.toContain(done[0]);
    expect((await gql(g.url, t.token, WAIT, { ids: re, t: 30 })).data!.waitForSegmentations[0].status).toBe('SUCCEEDED');
    const call = g.worker.calls.slice(callsBefore).find((c) => c.sha256 === image.sha256)!;
    expect(call.sentBytes).toBe(true);
    expect(call.cacheNamespace).toBe(`t:${t.tenant.id}:i:${again.id}`);
    if (g.stored) expect(await g.stored(t.tenant.id, image.sha256)).toBe(true);
    const dl = await fetch(`${g.url}/v1/images/${again.id}`, { headers: { authorization: `Bearer ${t.token}` } });
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(bytes);
  }, 60_000);
}, 60_000);

describe('deleteImage authorisation', () => {
  it("needs SEGMENT and cannot touch another tenant's image", async () => {
    const g = await gateway('database');
    const a = await makeTenant(g.gw.services, 'del-auth-a');
    const b = await makeTenant(g.gw.services, 'del-auth-b');
    const img = (await upload(g.url, a.token, await pngNoise(10, 10, 9))).body.image.id;
    expect(codes(await gql(g.url, b.token, DELETE, { id: img }))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(g.url, a.token, DELETE, { id: 'nope' }))).toEqual(['NOT_FOUND']);
    const reader = await g.gw.services.apiKeys.create(a.tenant.id, 'reader', ['READ']);
    expect(codes(await gql(g.url, reader.token, DELETE, { id: img }))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(g.url, null, DELETE, { id: img }))).toEqual(['UNAUTHENTICATED']);
    expect((await gql(g.url, a.token, 'query($id: ID!) { image(id: $id) { id } }', { id: img })).data!.image.id).toBe(img);
  });
});

describe('retention', () => {
  const SET = 'mutation($t: ID!, $d: Int) { setImageRetention(tenantId: $t, days: $d) { id imageRetentionDays } }';

  it.each(['filesystem', 's3'] as const)('an admin sets imageRetentionDays; the sweeper deletes older images of that tenant only (%s store)', async (store) => {
    const g = await gateway(store);
    const admin = await makeTenant(g.gw.services, `ret-admin-${store}`);
    const adminKey = await g.gw.services.apiKeys.create(admin.tenant.id, 'admin', ['ADMIN']);
    const t = await makeTenant(g.gw.services, `ret-t-${store}`);
    const u = await makeTenant(g.gw.services, `ret-u-${store}`);
    const old = (await upload(g.url, t.token, await pngNoise(10, 10, 11))).body.image;
    const fresh = (await upload(g.url, t.token, await pngNoise(10, 10, 12))).body.image;
    const othersOld = (await upload(g.url, u.token, await pngNoise(10, 10, 13))).body.image;
    const seg = (await gql(g.url, t.token, SEGMENT, { img: old.id, ex: ['the old one'] })).data!.segment[0].id;
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    await g.db.prisma.image.updateMany({ where: { id: { in: [old.id, othersOld.id] } }, data: { createdAt: tenDaysAgo } });

    expect(codes(await gql(g.url, t.token, SET, { t: t.tenant.id, d: 7 }))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(g.url, adminKey.token, SET, { t: t.tenant.id, d: 0 }))).toEqual(['BAD_USER_INPUT']);
    const set = await gql(g.url, adminKey.token, SET, { t: t.tenant.id, d: 7 });
    expect(set.data!.setImageRetention).toEqual({ id: t.tenant.id, imageRetentionDays: 7 });

    const r = await g.gw.services.retention.sweepOnce();
    expect(r).toEqual({ ran: true, deleted: 1 });
    expect(codes(await gql(g.url, t.token, 'query($id: ID!) { image(id: $id) { id } }', { id: old.id }))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(g.url, t.token, 'query($id: ID!) { segmentation(id: $id) { id } }', { id: seg }))).toEqual(['NOT_FOUND']);
    expect(await g.stored!(t.tenant.id, old.sha256)).toBe(false);
    expect(await g.stored!(t.tenant.id, fresh.sha256)).toBe(true);
    expect(await g.stored!(u.tenant.id, othersOld.sha256)).toBe(true);
    expect((await gql(g.url, t.token, 'query($id: ID!) { image(id: $id) { id } }', { id: fresh.id })).data!.image.id).toBe(fresh.id);
    // A tenant without retention keeps its old images.
    expect((await gql(g.url, u.token, 'query($id: ID!) { image(id: $id) { id } }', { id: othersOld.id })).data!.image.id).toBe(othersOld.id);
    expect(await g.gw.services.retention.sweepOnce()).toEqual({ ran: true, deleted: 0 });

    // null switches retention off again.
    expect((await gql(g.url, adminKey.token, SET, { t: t.tenant.id, d: null })).data!.setImageRetention.imageRetentionDays).toBeNull();
  });

  it('one replica sweeps at a time: the advisory lock holds across two instances and is freed when its holder dies', async () => {
    const dbs = [await openPostgres(database.url, { poolMax: 2 }), await openPostgres(database.url, { poolMax: 2 })];
    cleanups.push(async () => {
      for (const d of dbs) await d.close();
    });
    const sweepers = dbs.map((d) => new RetentionSweeper(d, new TenantRepository(d.prisma), new ImageRepository(d.prisma), silentLogger, { intervalMs: 0 }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const holding = dbs[0].tryWithAdvisoryLock(RETENTION_LOCK_KEY, () => gate);
    await sleep(200);
    expect(await sweepers[1].sweepOnce()).toEqual({ ran: false, deleted: 0 });
    expect(await sweepers[0].sweepOnce()).toEqual({ ran: false, deleted: 0 });
    release();
    expect((await holding).acquired).toBe(true);
    expect((await sweepers[1].sweepOnce()).ran).toBe(true);

    // A replica that dies while sweeping: its session ends and the lock with it.
    const dying = new pg.Client({ connectionString: database.url });
    await dying.connect();
    await dying.query('SELECT pg_advisory_lock($1::bigint)', [RETENTION_LOCK_KEY]);
    expect((await sweepers[0].sweepOnce()).ran).toBe(false);
    await dying.end();
    expect((await sweepers[0].sweepOnce()).ran).toBe(true);
  });
});
