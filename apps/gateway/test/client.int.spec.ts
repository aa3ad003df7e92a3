/**
 * @refdiff/client end to end against a gateway on the real PostgreSQL with a worker that speaks the real gRPC
 * protocol: upload, segment, results by subscription and by long poll, typed errors. The client is connected to a
 * replica that does not dispatch, so the results reach it through LISTEN/NOTIFY.
 */
import { createRefdiffClient, isRefdiffError, RefdiffError, type RefdiffClient } from '@refdiff/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openPostgres, type Database } from '../src/db/database';
import { GrpcWorkerPool } from '../src/dispatch/grpc-worker-pool';
import { startGateway, type GatewayRuntime } from '../src/runtime';
import { startFakeWorker, type FakeWorker } from './fake-worker';
import { makeTenant, silentLogger } from './harness';
import { pngNoise } from './images';
import { cloneTemplate } from './pg';

let drop: () => Promise<void>;
let worker: FakeWorker;
let pool: GrpcWorkerPool;
const dbs: Database[] = [];
const gateways: GatewayRuntime[] = [];
let apiUrl: string;
let client: RefdiffClient;
let token: string;

async function gateway(url: string, withPool: GrpcWorkerPool | null): Promise<string> {
  const db = await openPostgres(url, { poolMax: 4 });
  dbs.push(db);
  const gw = await startGateway({ db, logger: silentLogger, pool: withPool, dispatcher: { pollMs: 200 }, settings: { authCacheMs: 0 } });
  gateways.push(gw);
  return `http://127.0.0.1:${await gw.listen(0)}`;
}

beforeAll(async () => {
  const clone = await cloneTemplate();
  drop = clone.drop;
  worker = await startFakeWorker({ delayMs: 200 });
  pool = await GrpcWorkerPool.create({ targets: [worker.target], logger: silentLogger, healthIntervalMs: 200 });
  await gateway(clone.url, pool);
  apiUrl = await gateway(clone.url, null);
  const t = await makeTenant(gateways[1].services, 'client-e2e');
  token = t.token;
  client = createRefdiffClient({ url: apiUrl, apiKey: token, webSocketImpl: WebSocket });
});

afterAll(async () => {
  await client?.close();
  for (const gw of gateways.reverse()) await gw.stop();
  await pool?.close();
  for (const db of dbs) await db.close();
  await worker?.close();
  await drop?.();
});

describe('@refdiff/client against the gateway', () => {
  it('uploads, segments and receives every state by subscription, then the results by wait()', async () => {
    const image = await client.upload(await pngNoise(48, 32, 5));
    expect([image.width, image.height, image.format]).toEqual([48, 32, 'PNG']);
    const queued = await client.segment(image.id, ['the red circle', 'the blue box'], { options: { seed: 7 } });
    expect(queued.map((s) => s.status)).toEqual(['QUEUED', 'QUEUED']);
    const seen: string[] = [];
    const finals = await client.wait(
      queued.map((s) => s.id),
      { onUpdate: (s) => seen.push(`${s.expression}:${s.status}`) },
    );
    expect(finals.map((s) => [s.expression, s.status])).toEqual([
      ['the red circle', 'SUCCEEDED'],
      ['the blue box', 'SUCCEEDED'],
    ]);
    expect(finals[0].mask?.area).toBeGreaterThan(0);
    expect(finals[0].image.id).toBe(image.id);
    for (const e of ['the red circle', 'the blue box']) expect(seen.filter((x) => x.startsWith(`${e}:`)).at(-1)).toBe(`${e}:SUCCEEDED`);
    expect(seen).toContain('the red circle:RUNNING');
    // the same through the long poll, and one state through the iterator
    const polled = await client.wait([queued[0].id], { transport: 'poll' });
    expect(polled[0].status).toBe('SUCCEEDED');
    const states = [];
    for await (const s of client.subscribe([queued[1].id])) states.push(s.status);
    expect(states).toEqual(['SUCCEEDED']);
    // one round trip: segment waits for the results
    const [done] = await client.segment(image.id, ['the green dot'], { waitSeconds: 30 });
    expect([done.expression, done.status]).toEqual(['the green dot', 'SUCCEEDED']);
    expect(done.mask?.area).toBeGreaterThan(0);
  });

  it('lists the tenant\'s images page by page and deletes one, after which nothing of it is reachable', async () => {
    const a = await client.upload(await pngNoise(20, 20, 31));
    const b = await client.upload(await pngNoise(24, 20, 32));
    const [s] = await client.segment(a.id, ['the red circle']);
    await client.wait([s.id]);
    const first = await client.images({ first: 1 });
    expect(first.edges.map((e) => e.node.id)).toEqual([b.id]); // newest first
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await client.images({ first: 50, after: first.pageInfo.endCursor ?? undefined });
    expect(rest.edges.map((e) => e.node.id)).toContain(a.id);
    const bySha = await client.images({ filter: { sha256: a.sha256 } });
    expect(bySha.edges.map((e) => e.node.id)).toEqual([a.id]);

    const deleted = await client.deleteImage(a.id);
    expect(deleted).toMatchObject({ id: a.id, deletedSegmentations: 1 });
    expect(deleted.freedBytes).toBe(a.byteSize);
    await expect(client.get(s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.deleteImage(a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await client.images({ filter: { sha256: a.sha256 } })).totalCount).toBe(0);
  });

  it('reports typed errors: NOT_FOUND, BAD_USER_INPUT, UNSUPPORTED_MEDIA_TYPE, UNAUTHENTICATED (HTTP and socket)', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(client.segment(missing, ['x'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const image = await client.upload(await pngNoise(16, 16, 9));
    await expect(client.segment(image.id, [''])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(client.upload(new TextEncoder().encode('not an image'))).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
    await expect(client.wait([missing])).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const stranger = createRefdiffClient({ url: apiUrl, apiKey: 'rd_live_v1_' + 'A'.repeat(43), webSocketImpl: WebSocket });
    const err = await stranger.me().catch((e: unknown) => e);
    expect(isRefdiffError(err, 'UNAUTHENTICATED')).toBe(true);
    const socketErr = await (async () => {
      for await (const _ of stranger.subscribe([missing])) void _;
    })().catch((e: unknown) => e);
    expect(socketErr).toBeInstanceOf(RefdiffError);
    expect((socketErr as RefdiffError).code).toBe('UNAUTHENTICATED');
    await stranger.close();

    const offline = createRefdiffClient({ url: 'http://127.0.0.1:9', apiKey: token });
    await expect(offline.me()).rejects.toMatchObject({ code: 'NETWORK' });
  });
});
