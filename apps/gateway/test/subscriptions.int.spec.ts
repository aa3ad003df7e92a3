/**
 * GraphQL subscriptions over WebSocket with the graphql-ws client, against two gateway replicas on one real
 * PostgreSQL database: the client is connected to a replica that does not dispatch, so every update it receives
 * came from the other replica's dispatcher through LISTEN/NOTIFY. Plus authentication, scope, tenancy and limits.
 */
import type { FormattedExecutionResult as ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import WebSocket from 'ws';
import { openPostgres, type Database } from '../src/db/database';
import { GrpcWorkerPool } from '../src/dispatch/grpc-worker-pool';
import { startGateway, type GatewayRuntime } from '../src/runtime';
import { startFakeWorker, type FakeWorker } from './fake-worker';
import { gql, makeTenant, silentLogger, upload } from './harness';
import { pngNoise } from './images';
import { cloneTemplate } from './pg';

interface Replica {
  db: Database;
  gw: GatewayRuntime;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

let dbUrl: string;
let dropDb: () => Promise<void>;
let worker: FakeWorker;
let dispatching: Replica;
let listening: Replica;
let pool: GrpcWorkerPool;
const clients: Client[] = [];

async function replica(
  withPool: GrpcWorkerPool | null,
  settings: Parameters<typeof startGateway>[0]['settings'] = {},
  startDispatcher = true,
): Promise<Replica> {
  const db = await openPostgres(dbUrl, { poolMax: 4 });
  const gw = await startGateway({
    db,
    logger: silentLogger,
    pool: withPool,
    dispatcher: { pollMs: 200, leaseMs: 5_000 },
    settings: { authCacheMs: 0, waitRecheckMs: 500, ...settings },
    startDispatcher,
    http: { introspection: true, subscriptions: { maxSubscriptionsPerConnection: 3, keepAliveMs: 1_000 } },
  });
  const port = await gw.listen(0);
  return {
    db,
    gw,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    close: async () => {
      await gw.stop();
      await db.close();
    },
  };
}

function client(url: string, token: string | null, onClose?: (code: number, reason: string) => void): Client {
  const c = createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (e) => onClose?.((e as { code: number }).code, (e as { reason: string }).reason) },
    onNonLazyError: () => undefined,
  });
  clients.push(c);
  return c;
}

/** Runs one subscription to its end (or until `stopAfter` results) and returns everything it received. */
function collect<T = any>(c: Client, query: string, variables: Record<string, unknown>, stopAfter = Infinity) {
  const results: ExecutionResult<T, unknown>[] = [];
  let unsubscribe = () => undefined as void;
  const done = new Promise<{ results: ExecutionResult<T, unknown>[]; error?: unknown }>((resolve) => {
    unsubscribe = c.subscribe<T>(
      { query, variables },
      {
        next: (r) => {
          results.push(r);
          if (results.length >= stopAfter) {
            unsubscribe();
            resolve({ results });
          }
        },
        error: (error) => resolve({ results, error }),
        complete: () => resolve({ results }),
      },
    );
  });
  return { done, unsubscribe: () => unsubscribe(), results };
}

const UPDATED = `subscription($ids: [ID!]!) { segmentationUpdated(ids: $ids) {
  id status attempts worker mask { area box rle { size counts } } finishedAt image { id } } }`;
const IMAGE_UPDATED = 'subscription($img: ID!) { segmentationsUpdated(imageId: $img) { id expression status } }';
const SEGMENT = 'mutation($img: ID!, $ex: [String!]!) { segment(imageId: $img, expressions: $ex) { id status } }';

beforeAll(async () => {
  const clone = await cloneTemplate();
  dbUrl = clone.url;
  dropDb = clone.drop;
  worker = await startFakeWorker({ delayMs: 300 });
  pool = await GrpcWorkerPool.create({ targets: [worker.target], logger: silentLogger, healthIntervalMs: 200 });
  dispatching = await replica(pool, {}, false);
  listening = await replica(null, { feed: { maxSubscriptionsPerTenant: 4 } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await listening?.close();
  await dispatching?.close();
  await pool?.close();
  await worker?.close();
  await dropDb?.();
});

async function tenantWithImage(name: string) {
  const t = await makeTenant(listening.gw.services, name);
  const up = await upload(listening.url, t.token, await pngNoise(64, 48, name.length));
  expect(up.status).toBe(201);
  return { ...t, imageId: up.body.image.id as string };
}

describe('segmentation subscriptions (graphql-ws)', () => {
  it('pushes QUEUED → RUNNING → SUCCEEDED with the result through the replica the client is not on', async () => {
    const t = await tenantWithImage('subs-a');
    // queued before the (only) dispatcher starts: the subscription starts from QUEUED
    const seg = await gql(listening.url, t.token, SEGMENT, { img: t.imageId, ex: ['the red circle'] });
    expect(seg.errors).toBeUndefined();
    const id = seg.data?.segment[0].id as string;
    const c = client(listening.wsUrl, t.token);
    const imageFeed = collect(c, IMAGE_UPDATED, { img: t.imageId }, 2);
    const sub = collect(c, UPDATED, { ids: [id] });
    await expect.poll(() => sub.results.length).toBe(1);
    await expect.poll(() => listening.gw.services.feed.active(t.tenant.id)).toBe(2);
    expect(sub.results.map((r) => r.data?.segmentationUpdated.status)).toEqual(['QUEUED']);
    dispatching.gw.dispatcher?.start();
    const { results, error } = await sub.done;
    expect(error).toBeUndefined();
    const states = results.map((r) => r.data?.segmentationUpdated);
    expect(states.map((s) => s.status)).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(states[1].mask).toBeNull();
    expect(states[2].mask.area).toBeGreaterThan(0);
    expect(states[2].worker).toBe(worker.target);
    expect(states[2].image.id).toBe(t.imageId);
    // the image feed saw the same changes (it subscribed after the request was queued)
    const image = await imageFeed.done;
    expect(image.results.map((r) => r.data?.segmentationsUpdated.status)).toEqual(['RUNNING', 'SUCCEEDED']);
  });

  it('answers a finished request at once and completes; several ids complete when all are final', async () => {
    const t = await tenantWithImage('subs-b');
    const seg = await gql(listening.url, t.token, SEGMENT, { img: t.imageId, ex: ['a', 'b'] });
    const ids = (seg.data?.segment as { id: string }[]).map((s) => s.id);
    const c = client(listening.wsUrl, t.token);
    const { results, error } = await collect(c, UPDATED, { ids }).done;
    expect(error).toBeUndefined();
    const finals = results.map((r) => r.data?.segmentationUpdated).filter((s) => s.status === 'SUCCEEDED');
    expect(new Set(finals.map((s) => s.id))).toEqual(new Set(ids));
    // once finished, a new subscription gets the final state and completes
    const again = await collect(c, UPDATED, { ids: [ids[0]] }).done;
    expect(again.results.map((r) => r.data?.segmentationUpdated.status)).toEqual(['SUCCEEDED']);
  });

  it('refuses a connection without a key or with a bad one (4401)', async () => {
    for (const token of [null, 'rd_live_v1_' + 'x'.repeat(43), 'nonsense']) {
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        const c = client(listening.wsUrl, token, (code, reason) => resolve({ code, reason }));
        collect(c, UPDATED, { ids: ['00000000-0000-0000-0000-000000000000'] });
      });
      const { code, reason } = await closed;
      expect(code).toBe(4401);
      expect(reason).toMatch(/UNAUTHENTICATED/);
    }
  });

  it('needs READ: a SEGMENT-only key gets FORBIDDEN', async () => {
    const t = await tenantWithImage('subs-c');
    const { token } = await listening.gw.services.apiKeys.create(t.tenant.id, 'writer', ['SEGMENT']);
    const seg = await gql(listening.url, token, SEGMENT, { img: t.imageId, ex: ['x'] });
    const c = client(listening.wsUrl, token);
    const { results, error } = await collect(c, UPDATED, { ids: [seg.data?.segment[0].id] }).done;
    const errors = (results[0]?.errors ?? (error as { extensions?: unknown }[])) as { extensions?: { code?: string } }[];
    expect(errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it("keeps tenants apart: another tenant's ids and images are NOT_FOUND and its changes never arrive", async () => {
    const a = await tenantWithImage('subs-d');
    const b = await tenantWithImage('subs-e');
    const seg = await gql(listening.url, a.token, SEGMENT, { img: a.imageId, ex: ['mine'] });
    const idA = seg.data?.segment[0].id as string;
    const cb = client(listening.wsUrl, b.token);
    const byId = await collect(cb, UPDATED, { ids: [idA] }).done;
    expect(byId.results[0].errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(byId.results[0].errors?.[0].message).toBe(`segmentation ${idA} not found`);
    const byImage = await collect(cb, IMAGE_UPDATED, { img: a.imageId }).done;
    expect(byImage.results[0].errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    // b watches its own image while a's work runs: nothing of a's arrives
    const own = collect(cb, IMAGE_UPDATED, { img: b.imageId });
    await expect.poll(() => listening.gw.services.feed.active(b.tenant.id)).toBe(1);
    const ca = client(listening.wsUrl, a.token);
    const seg2 = await gql(listening.url, a.token, SEGMENT, { img: a.imageId, ex: ['mine again'] });
    await collect(ca, UPDATED, { ids: [seg2.data?.segment[0].id] }).done;
    await new Promise((r) => setTimeout(r, 200));
    own.unsubscribe();
    expect(own.results).toEqual([]);
  });

  it('bounds ids per subscription, subscriptions per connection and per tenant, and serves only subscriptions', async () => {
    const t = await tenantWithImage('subs-f');
    const c = client(listening.wsUrl, t.token);
    const tooMany = Array.from({ length: 101 }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`);
    const big = await collect(c, UPDATED, { ids: tooMany }).done;
    expect(big.results[0].errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);

    const query = await collect(c, '{ me { tenantId } }', {}).done;
    expect((query.error as { extensions?: { code?: string } }[])[0].extensions?.code).toBe('BAD_REQUEST');

    // per connection: 3 live (this replica's limit in the test), the 4th is refused
    const live = [0, 1, 2].map(() => collect(c, IMAGE_UPDATED, { img: t.imageId }));
    await expect.poll(() => listening.gw.services.feed.active(t.tenant.id)).toBe(3);
    const fourth = await collect(c, IMAGE_UPDATED, { img: t.imageId }).done;
    expect((fourth.error as { extensions?: { code?: string } }[])[0].extensions?.code).toBe('RATE_LIMITED');
    // per tenant: 4 on this replica, across connections
    const c2 = client(listening.wsUrl, t.token);
    const fourthOfTenant = collect(c2, IMAGE_UPDATED, { img: t.imageId });
    await expect.poll(() => listening.gw.services.feed.active(t.tenant.id)).toBe(4);
    const fifth = await collect(c2, IMAGE_UPDATED, { img: t.imageId }).done;
    expect(fifth.results[0].errors?.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
    // closing the subscriptions releases the tenant's slots
    for (const s of [...live, fourthOfTenant]) s.unsubscribe();
    await expect.poll(() => listening.gw.services.feed.active(t.tenant.id)).toBe(0);
  });

  it('ends a subscription when its image is deleted, and refuses new ones with NOT_FOUND', async () => {
    const t = await tenantWithImage('subs-deleted');
    const c = client(listening.wsUrl, t.token);
    const ids = (await gql(listening.url, t.token, SEGMENT, { img: t.imageId, ex: ['a', 'b', 'c', 'd'] })).data!.segment.map((s: any) => s.id);
    const sub = collect(c, UPDATED, { ids });
    for (let i = 0; i < 200 && sub.results.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    const del = await gql(listening.url, t.token, 'mutation($i: ID!) { deleteImage(id: $i) { id } }', { i: t.imageId });
    expect(del.errors).toBeUndefined();
    const end = await sub.done;
    expect(end.error).toBeUndefined();
    // Through the notification, not the 10 s re-check.
    expect(Date.now() - t0).toBeLessThan(5_000);
    const again = await collect(c, UPDATED, { ids }).done;
    expect(JSON.stringify(again)).toContain('NOT_FOUND');
    const image = await collect(c, IMAGE_UPDATED, { img: t.imageId }).done;
    expect(JSON.stringify(image)).toContain('NOT_FOUND');
  });

  it('keeps delivering after the database drops the LISTEN connections (they are reopened)', async () => {
    const t = await tenantWithImage('subs-h');
    const admin = new pg.Client({ connectionString: dbUrl });
    await admin.connect();
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
    );
    await admin.end();
    expect(killed.rowCount).toBeGreaterThanOrEqual(2); // each replica's one LISTEN connection (status, done and queue channels)
    await new Promise((r) => setTimeout(r, 1_500));
    const c = client(listening.wsUrl, t.token);
    const feed = collect(c, IMAGE_UPDATED, { img: t.imageId }, 3);
    await expect.poll(() => listening.gw.services.feed.active(t.tenant.id)).toBe(1);
    await gql(listening.url, t.token, SEGMENT, { img: t.imageId, ex: ['after the drop'] });
    const { results } = await feed.done;
    expect(results.map((r) => r.data?.segmentationsUpdated.status)).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
  });

  it('pings every keepAliveMs and drops a connection that stops answering (heartbeat)', async () => {
    const t = await tenantWithImage('subs-i');
    const open = async (autoPong: boolean) => {
      const socket = new WebSocket(listening.wsUrl, 'graphql-transport-ws', { autoPong });
      const pings: number[] = [];
      socket.on('ping', () => pings.push(Date.now()));
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      await new Promise((resolve) => socket.on('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.token}` } }));
      return { socket, pings, closed };
    };
    const [alive, silent] = await Promise.all([open(true), open(false)]);
    // keepAliveMs is 1 s in these replicas: the silent one is cut off after its first unanswered ping
    expect(await silent.closed).toBe(1006);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(alive.pings.length).toBeGreaterThanOrEqual(2);
    expect(alive.socket.readyState).toBe(WebSocket.OPEN);
    alive.socket.close();
  });

  it('closes connections cleanly (1001) when the gateway stops', async () => {
    const extra = await replica(null);
    const t = await tenantWithImage('subs-g');
    const closed = new Promise<number>((resolve) => {
      const c = client(extra.wsUrl, t.token, (code) => resolve(code));
      collect(c, IMAGE_UPDATED, { img: t.imageId });
    });
    await expect.poll(() => extra.gw.http.subscriptions.connections()).toBe(1);
    const t0 = Date.now();
    await extra.close();
    expect(await closed).toBe(1001);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });
});
