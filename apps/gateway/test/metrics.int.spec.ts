/**
 * GET /metrics on the real PostgreSQL with a gRPC fake worker: after known requests the scrape shows the queue (read
 * from the database, so a second replica reports the same), results by outcome, per-tenant counters, and tenant
 * labels stay bounded with many tenants; METRICS_TOKEN guards the route.
 */
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/database';
import { GrpcWorkerPool } from '../src/dispatch/grpc-worker-pool';
import { startGateway, type GatewayRuntime } from '../src/runtime';
import type { HttpOptions } from '../src/http/app';
import { startFakeWorker, type FakeWorker } from './fake-worker';
import { gql, makeTenant, silentLogger, upload } from './harness';
import { pngNoise } from './images';
import { useClonedDatabase } from './pg';

const database = useClonedDatabase();
const { cleanups } = database;

async function replica(w: FakeWorker, opts: { tenantLabels?: number; startDispatcher?: boolean; http?: HttpOptions } = {}) {
  const db = await openPostgres(database.url, { poolMax: 4 });
  const pool = await GrpcWorkerPool.create({ targets: [w.target], logger: silentLogger, healthIntervalMs: 200 });
  const gw: GatewayRuntime = await startGateway({
    db,
    logger: silentLogger,
    pool,
    dispatcher: { pollMs: 100, leaseMs: 5_000, backoffBaseMs: 20, backoffMaxMs: 50 },
    settings: { authCacheMs: 0, waitRecheckMs: 200, metricsTenantLabels: opts.tenantLabels, metricsQueueCacheMs: 0 },
    startDispatcher: opts.startDispatcher ?? true,
    http: opts.http,
  });
  const url = `http://127.0.0.1:${await gw.listen(0)}`;
  cleanups.push(async () => {
    await gw.stop();
    await pool.close();
    await db.close();
  });
  return { gw, url };
}

async function fakeWorker(): Promise<FakeWorker> {
  const w = await startFakeWorker({ maxConcurrent: 4 });
  cleanups.push(() => w.close());
  return w;
}

/** Prometheus text → `name{labels}` → value (labels as written, sorted by name by prom-client). */
async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const SEGMENT = 'mutation($img: ID!, $ex: [String!]!) { segment(imageId: $img, expressions: $ex) { id } }';

async function segment(url: string, token: string, img: string, ex: string[]): Promise<string[]> {
  const r = await gql(url, token, SEGMENT, { img, ex });
  expect(r.errors).toBeUndefined();
  return r.data!.segment.map((s: { id: string }) => s.id);
}

describe('gateway /metrics', () => {
  it('reports the queue from the database on every replica, then results and per-tenant counters', async () => {
    const w = await fakeWorker();
    const a1 = await replica(w, { startDispatcher: false });
    const a2 = await replica(w, { startDispatcher: false });
    const ta = await makeTenant(a1.gw.services, 'metrics-a');
    const tb = await makeTenant(a1.gw.services, 'metrics-b');
    const imgA = (await upload(a1.url, ta.token, await pngNoise(16, 12, 1))).body.image.id;
    const imgB = (await upload(a1.url, tb.token, await pngNoise(16, 12, 2))).body.image.id;
    const ids = [
      ...(await segment(a1.url, ta.token, imgA, ['the red circle', 'a blue square', 'the tree'])),
      ...(await segment(a1.url, tb.token, imgB, ['the dog', 'a cat'])),
    ];
    await new Promise((r) => setTimeout(r, 50));

    for (const url of [a1.url, a2.url]) {
      const m = await scrape(url);
      expect(m.get('refdiff_gateway_queue_depth{status="queued"}')).toBe(5);
      expect(m.get('refdiff_gateway_queue_depth{status="queued_due"}')).toBe(5);
      expect(m.get('refdiff_gateway_queue_depth{status="running"}')).toBe(0);
      expect(m.get('refdiff_gateway_queue_oldest_age_seconds')).toBeGreaterThan(0.04);
      expect(m.get('refdiff_gateway_workers{state="healthy"}')).toBe(1);
      expect(m.get('refdiff_gateway_worker_capacity')).toBe(4);
    }
    const before = await scrape(a1.url);
    // Tenant ids, never names.
    expect(before.get(`refdiff_gateway_tenant_expressions_total{tenant="${ta.tenant.id}"}`)).toBe(3);
    expect(before.get(`refdiff_gateway_tenant_expressions_total{tenant="${tb.tenant.id}"}`)).toBe(2);
    expect(before.get(`refdiff_gateway_tenant_requests_total{tenant="${ta.tenant.id}",surface="rest"}`)).toBe(1);
    expect(before.get(`refdiff_gateway_tenant_requests_total{tenant="${ta.tenant.id}",surface="graphql"}`)).toBe(1);
    expect([...before.keys()].some((k) => k.includes('metrics-a'))).toBe(false);

    // A permanent failure for B's first call, then dispatch everything.
    w.options.failNext = { status: grpc.status.INVALID_ARGUMENT, code: 'INVALID_ARGUMENT', count: 1 };
    a1.gw.dispatcher!.start();
    const wait = async (token: string, list: string[]) => (await gql(a1.url, token, 'query($ids: [ID!]!) { waitForSegmentations(ids: $ids, timeoutSeconds: 20) { id status } }', { ids: list })).data!.waitForSegmentations;
    const done = [...(await wait(ta.token, ids.slice(0, 3))), ...(await wait(tb.token, ids.slice(3)))];
    const failed = done.filter((d: { status: string }) => d.status === 'FAILED').length;
    expect(failed).toBeGreaterThan(0);
    expect(done.every((d: { status: string }) => d.status === 'SUCCEEDED' || d.status === 'FAILED')).toBe(true);

    const after = await scrape(a1.url);
    expect(after.get('refdiff_gateway_queue_depth{status="queued"}')).toBe(0);
    expect(after.get('refdiff_gateway_queue_depth{status="running"}')).toBe(0);
    expect(after.get('refdiff_gateway_queue_oldest_age_seconds')).toBe(0);
    expect(after.get('refdiff_gateway_results_total{outcome="succeeded"}')).toBe(5 - failed);
    expect(after.get('refdiff_gateway_results_total{outcome="failed"}')).toBe(failed);
    const calls = (after.get('refdiff_gateway_dispatch_duration_seconds_count{outcome="ok"}') ?? 0) + (after.get('refdiff_gateway_dispatch_duration_seconds_count{outcome="error"}') ?? 0);
    expect(calls).toBe(w.calls.length + 1);
    expect(after.get('refdiff_gateway_queue_wait_seconds_count')).toBe(5);
    // The other replica dispatched nothing but sees the same (empty) queue.
    const other = await scrape(a2.url);
    expect(other.get('refdiff_gateway_queue_depth{status="queued"}')).toBe(0);
    expect(other.get('refdiff_gateway_results_total{outcome="succeeded"}')).toBeUndefined();
  });

  it('keeps tenant labels bounded: the first N tenant ids, the rest as "other"', async () => {
    const w = await fakeWorker();
    const g = await replica(w, { tenantLabels: 3, startDispatcher: false });
    const tenants = [];
    for (let i = 0; i < 12; i++) tenants.push(await makeTenant(g.gw.services, `many-${i}`));
    for (const t of tenants) {
      const img = (await upload(g.url, t.token, await pngNoise(8, 8, 7))).body.image.id;
      await segment(g.url, t.token, img, ['x', 'y']);
    }
    const m = await scrape(g.url);
    const series = [...m.entries()].filter(([k]) => k.startsWith('refdiff_gateway_tenant_expressions_total{'));
    expect(series.length).toBe(4);
    expect(m.get('refdiff_gateway_tenant_expressions_total{tenant="other"}')).toBe(18);
    expect(series.reduce((a, [, v]) => a + v, 0)).toBe(24);
    for (const t of tenants.slice(0, 3)) expect(m.get(`refdiff_gateway_tenant_expressions_total{tenant="${t.tenant.id}"}`)).toBe(2);
    const req = [...m.keys()].filter((k) => k.startsWith('refdiff_gateway_tenant_requests_total{'));
    expect(req.length).toBeLessThanOrEqual(4 * 2);
  });

  it('asks for METRICS_TOKEN when one is set', async () => {
    const w = await fakeWorker();
    const g = await replica(w, { http: { introspection: false, metricsToken: 's3cret-token' } });
    expect((await fetch(`${g.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${g.url}/metrics`, { headers: { authorization: 'Bearer wrong-token!' } })).status).toBe(401);
    const m = await scrape(g.url, { authorization: 'Bearer s3cret-token' });
    expect(m.get('refdiff_gateway_queue_depth{status="queued"}')).toEqual(expect.any(Number));
  });
});
