/**
 * Scenarios shared by `refdiff bench platform` and the gateway's tests: gateway replicas (the real runtime: GraphQL,
 * PostgreSQL or PGlite, the dispatcher, GrpcWorkerPool) in front of worker stubs that speak the real
 * refdiff.worker.v1 protocol (testing/fake-worker.ts), all discovered through one DNS name whose addresses the
 * scenario controls (an injected resolver; each stub listens on its own loopback address, 127.0.0.2, 127.0.0.3, …,
 * on one shared port, as the pods behind a headless Service do).
 *
 * The scenarios return facts (who ran what, when); the bench prints them and the tests assert on them.
 */
import http from 'node:http';
import sharp from 'sharp';
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import { GrpcWorkerPool, type ResolveHost } from '../dispatch/grpc-worker-pool';
import type { DispatcherOptions } from '../dispatch/dispatcher';
import { startGateway, type GatewayRuntime } from '../runtime';
import type { Services } from '../services';
import { startFakeWorker, type FakeWorker } from '../testing/fake-worker';

/** A database handle for one replica; `close` releases it (a shared embedded database is closed by its owner). */
export type OpenDatabase = () => Promise<{ db: Database; close(): Promise<void> }>;

/** GPU-like time a stub holds one call: per image (every call, as the worker runs the image side per call) + per expression. */
export interface CallCost {
  imageMs: number;
  expressionMs: number;
}

export const callMs = (cost: CallCost, expressions: number) => cost.imageMs + cost.expressionMs * expressions;

/** One DNS name over a set of loopback addresses that the scenario changes at will. */
export class FakeDns {
  private readonly addresses = new Set<string>();
  constructor(readonly name: string) {}
  set(addresses: readonly string[]): void {
    this.addresses.clear();
    for (const a of addresses) this.addresses.add(a);
  }
  add(address: string): void {
    this.addresses.add(address);
  }
  remove(address: string): void {
    this.addresses.delete(address);
  }
  readonly resolve: ResolveHost = async (host) => {
    if (host !== this.name || this.addresses.size === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return [...this.addresses].map((address) => ({ address, family: 4 }));
  };
}

/** Stubs like a GPU worker: one call on the device at a time (REFDIFF_WORKER_CONCURRENCY=1), the rest queued. */
export async function startGpuLikeWorkers(count: number, cost: CallCost, firstAddress = 2, port = 0): Promise<FakeWorker[]> {
  const workers: FakeWorker[] = [];
  for (let i = 0; i < count; i++) {
    const w = await startFakeWorker({
      host: `127.0.0.${firstAddress + i}`,
      port: i === 0 ? port : Number(workers[0].target.split(':')[1]),
      maxConcurrent: 1,
      maxQueue: 32,
      delayMs: ({ expressions }) => callMs(cost, expressions),
    });
    workers.push(w);
  }
  return workers;
}

export const portOf = (w: FakeWorker) => Number(w.target.split(':').pop());
export const hostOf = (w: FakeWorker) => w.target.slice(0, w.target.lastIndexOf(':'));

export interface Replica {
  gw: GatewayRuntime;
  pool: GrpcWorkerPool;
  url: string;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  openDb: OpenDatabase;
  logger: Logger;
  targets: string[];
  resolve?: ResolveHost;
  healthIntervalMs?: number;
  dispatcher?: DispatcherOptions;
  startDispatcher?: boolean;
}

/** One gateway replica as `refdiff serve` wires it (startGateway), listening on 127.0.0.1:0. */
export async function startReplica(o: ReplicaOptions): Promise<Replica> {
  const { db, close } = await o.openDb();
  // The gateway's own logs: warnings and errors only (the scenario reports what happened).
  const logger = o.logger.child({ component: 'replica' }, { level: o.logger.isLevelEnabled('warn') ? 'warn' : 'silent' });
  const pool = await GrpcWorkerPool.create({ targets: o.targets, resolve: o.resolve, logger, healthIntervalMs: o.healthIntervalMs });
  const gw = await startGateway({
    db,
    logger,
    pool,
    startDispatcher: o.startDispatcher ?? true,
    dispatcher: o.dispatcher,
    settings: { authCacheMs: 60_000 },
  });
  const port = await gw.listen(0, '127.0.0.1');
  return {
    gw,
    pool,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await gw.stop('graceful');
      await pool.close();
      await close();
    },
  };
}

/** A tenant with generous limits and a READ+SEGMENT key. */
export async function benchTenant(services: Pick<Services, 'tenants' | 'apiKeys'>, name: string): Promise<string> {
  const tenant = await services.tenants.create(name, { rateLimitPerMinute: 10_000_000 });
  return (await services.apiKeys.create(tenant.id, 'bench', ['READ', 'SEGMENT'])).token;
}

/**
 * The bench's clients post over node:http with keep-alive connections rather than fetch: the clients share the
 * bench's process (and the machine's cores) with the stub, and Node 20's fetch (undici: WHATWG streams, Headers)
 * costs ≈ 4× node:http's CPU a call (0.36–0.40 vs 0.09–0.10 ms, 10 concurrent, keep-alive both; load 7). What is
 * measured is the gateway, not the client.
 */
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 256 });

function postJson(url: string, token: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: keepAlive,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function gql<T = any>(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await postJson(`${url}/graphql`, token, JSON.stringify({ query, variables }));
  let body: { data?: T; errors?: { message: string }[] };
  try {
    body = JSON.parse(res.text) as typeof body;
  } catch {
    throw new Error(`GraphQL: HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  }
  if (body.errors?.length || !body.data) throw new Error(`GraphQL: ${body.errors?.map((e) => e.message).join('; ') ?? res.status}`);
  return body.data;
}

/** A small PNG whose bytes differ per seed (so every image is a distinct upload and a distinct worker-cache entry). */
export async function distinctPng(seed: number, size = 24): Promise<Uint8Array> {
  const raw = Buffer.alloc(size * size * 3);
  let s = (seed * 2_654_435_761) >>> 0 || 1;
  for (let i = 0; i < raw.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    raw[i] = s & 0xff;
  }
  return new Uint8Array(await sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer());
}

export async function uploadImage(url: string, token: string, bytes: Uint8Array): Promise<string> {
  const res = await fetch(`${url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png', authorization: `Bearer ${token}` }, body: bytes });
  const body = (await res.json()) as { image?: { id: string } };
  if (!body.image) throw new Error(`upload failed: ${res.status} ${JSON.stringify(body)}`);
  return body.image.id;
}

export const SEGMENT = 'mutation($i: ID!, $e: [String!]!) { segment(imageId: $i, expressions: $e) { id } }';
/** One operation: queue and wait for the result (`segment`'s waitSeconds). */
export const SEGMENT_WAIT =
  'mutation($i: ID!, $e: [String!]!, $w: Int) { segment(imageId: $i, expressions: $e, waitSeconds: $w) { id status } }';
export const WAIT = 'query($ids: [ID!]!, $t: Int) { waitForSegmentations(ids: $ids, timeoutSeconds: $t) { id expression status attempts worker } }';

export interface Finished {
  id: string;
  expression: string;
  status: string;
  attempts: number;
  worker: string | null;
}

/** Waits (long-polling waitForSegmentations) until every id is final; returns them. */
export async function waitAllDone(url: string, token: string, ids: readonly string[], timeoutMs: number): Promise<Finished[]> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, Finished>();
  let pending = [...ids];
  while (pending.length > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.length} of ${ids.length} requests still not done after ${timeoutMs} ms`);
    const chunk = pending.slice(0, 100);
    const r = await gql<{ waitForSegmentations: Finished[] }>(url, token, WAIT, { ids: chunk, t: 10 });
    for (const s of r.waitForSegmentations) if (s.status === 'SUCCEEDED' || s.status === 'FAILED' || s.status === 'CANCELLED') done.set(s.id, s);
    pending = pending.filter((id) => !done.has(id));
  }
  return ids.map((id) => done.get(id) as Finished);
}

/** Queues `count` requests (one image each, `expressions` expressions each) spread over the replicas. */
export async function queueRequests(replicas: readonly Replica[], token: string, count: number, expressions: number, tag: string, firstSeed = 1) {
  const ids: string[] = [];
  const expressionOf = (i: number, j: number) => `${tag} object ${i}-${j}`;
  // A few uploads in parallel: this is set-up, not what is measured.
  const batch = 8;
  for (let start = 0; start < count; start += batch) {
    const part = await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, async (_, k) => {
        const i = start + k;
        const r = replicas[i % replicas.length];
        const image = await uploadImage(r.url, token, await distinctPng(firstSeed + i));
        const res = await gql<{ segment: { id: string }[] }>(r.url, token, SEGMENT, { i: image, e: Array.from({ length: expressions }, (_, j) => expressionOf(i, j)) });
        return res.segment.map((s) => s.id);
      }),
    );
    for (const p of part) ids.push(...p);
  }
  return ids;
}

/** How often each expression was computed to completion across the stubs (a count above 1 = ran twice). */
export function completedRuns(workers: readonly FakeWorker[]): Map<string, number> {
  const runs = new Map<string, number>();
  for (const w of workers) for (const c of w.calls) if (c.finishedAt !== null) for (const e of c.expressions) runs.set(e, (runs.get(e) ?? 0) + 1);
  return runs;
}

/** Busy time of the stubs ÷ (stubs × the span from the first call's start to the last one's end). */
export function deviceBusy(workers: readonly FakeWorker[]): number {
  const done = workers.flatMap((w) => w.calls.filter((c) => c.finishedAt !== null));
  if (done.length === 0) return 0;
  const busy = done.reduce((a, c) => a + ((c.finishedAt as number) - c.startedAt), 0);
  const span = Math.max(...done.map((c) => c.finishedAt as number)) - Math.min(...done.map((c) => c.startedAt));
  return span > 0 ? busy / (workers.length * span) : 0;
}

/** The most calls the stubs held at once (all stubs together), from their start/finish times. */
export function peakConcurrentCalls(workers: readonly FakeWorker[]): number {
  const events: [number, number][] = [];
  for (const w of workers)
    for (const c of w.calls) {
      events.push([c.startedAt, 1]);
      events.push([c.finishedAt ?? Infinity, -1]);
    }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (now += d));
  return peak;
}

export interface ScalingOptions {
  openDb: OpenDatabase;
  logger: Logger;
  workers: number;
  replicas: number;
  /** requests (one image each) queued before the dispatchers start */
  requests: number;
  expressionsPerRequest: number;
  cost: CallCost;
  healthIntervalMs?: number;
  tag: string;
}

export interface ScalingResult {
  workers: number;
  replicas: number;
  requests: number;
  callMs: number;
  /** dispatchers started → every request final, as a client sees it */
  wallMs: number;
  requestsPerSecond: number;
  /** workers ÷ per-call time */
  idealRequestsPerSecond: number;
  /** requestsPerSecond ÷ ideal */
  efficiency: number;
  /** this process's CPU time (gateways, stubs and the waiting client together) per request, and ÷ wall time */
  cpuMsPerRequest: number;
  cpuUtilisation: number;
  /** completed model calls per worker */
  callsPerWorker: number[];
  peakConcurrentCalls: number;
  /** the stubs' busy time ÷ (workers × first call start → last call end): 1 = no worker ever waited for work */
  deviceBusy: number;
  failed: number;
  maxAttempts: number;
}

/**
 * Starts `o.replicas` gateways whose pools find the workers through `dns` (dispatchers not started yet, so a
 * measured run begins when the caller starts them). Each replica is pushed as soon as it runs, so the caller's
 * `finally` stops those already started when a later one fails.
 */
async function startReplicasBehind(
  o: Pick<ScalingOptions, 'openDb' | 'logger' | 'replicas' | 'healthIntervalMs'>,
  dns: FakeDns,
  port: number,
  replicas: Replica[],
): Promise<void> {
  for (let i = 0; i < o.replicas; i++) {
    replicas.push(
      await startReplica({
        openDb: o.openDb,
        logger: o.logger,
        targets: [`dns:${dns.name}:${port}`],
        resolve: dns.resolve,
        healthIntervalMs: o.healthIntervalMs,
        startDispatcher: false,
        dispatcher: { pollMs: 200 },
      }),
    );
  }
}

/** `replicas` gateways drain a queue of `requests` over `workers` GPU-like stubs behind one DNS name. */
export async function runScaling(o: ScalingOptions): Promise<ScalingResult> {
  const workers = await startGpuLikeWorkers(o.workers, o.cost);
  const dns = new FakeDns('refdiff-worker.bench.invalid');
  dns.set(workers.map(hostOf));
  const replicas: Replica[] = [];
  try {
    await startReplicasBehind(o, dns, portOf(workers[0]), replicas);
    const token = await benchTenant(replicas[0].gw.services, `${o.tag}-tenant`);
    const ids = await queueRequests(replicas, token, o.requests, o.expressionsPerRequest, o.tag);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const r of replicas) r.gw.dispatcher?.start();
    const done = await waitAllDone(replicas[0].url, token, ids, 600_000);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const perCall = callMs(o.cost, o.expressionsPerRequest);
    const rps = (o.requests / wallMs) * 1000;
    const ideal = (o.workers / perCall) * 1000;
    return {
      workers: o.workers,
      replicas: o.replicas,
      requests: o.requests,
      callMs: perCall,
      wallMs: Math.round(wallMs),
      requestsPerSecond: round(rps, 3),
      idealRequestsPerSecond: round(ideal, 3),
      efficiency: round(rps / ideal, 3),
      cpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / o.requests, 1),
      cpuUtilisation: round((cpu.user + cpu.system) / 1000 / wallMs, 2),
      callsPerWorker: workers.map((w) => w.calls.filter((c) => c.finishedAt !== null).length),
      peakConcurrentCalls: peakConcurrentCalls(workers),
      deviceBusy: round(deviceBusy(workers), 3),
      failed: done.filter((d) => d.status !== 'SUCCEEDED').length,
      maxAttempts: Math.max(...done.map((d) => d.attempts)),
    };
  } finally {
    for (const r of replicas) await r.close();
    for (const w of workers) await w.close();
  }
}

export interface ElasticityOptions {
  openDb: OpenDatabase;
  logger: Logger;
  replicas: number;
  /** workers listed at the start (one of them is removed, one added) */
  workers: number;
  requests: number;
  cost: CallCost;
  /** remove/add when this fraction of the requests is done */
  changeAtFraction?: number;
  /** the removed worker's drain grace (REFDIFF_DRAIN_GRACE_MS; the manifests set 5 s): it refuses new calls meanwhile */
  drainGraceMs?: number;
  healthIntervalMs?: number;
  tag: string;
}

export interface ElasticityResult {
  requests: number;
  succeeded: number;
  /** requests not SUCCEEDED at the end (failed, or never finished) */
  lost: number;
  /** expressions computed to completion more than once */
  ranTwice: number;
  /** expressions never computed */
  neverRan: number;
  removedWorker: { target: string; callsBefore: number; callsAfterRemoval: number; refusedWhileDraining: number };
  addedWorker: { target: string; calls: number; firstCallAfterMs: number | null };
  doneAtChange: number;
  wallMs: number;
  maxAttempts: number;
  callsPerWorker: Record<string, number>;
}

/**
 * While `requests` run, one listed worker is dropped from the DNS name and drained (what Kubernetes does to a pod
 * scaled down: endpoint removed, SIGTERM) and a new one is added to the name (a pod scaled up).
 */
export async function runElasticity(o: ElasticityOptions): Promise<ElasticityResult> {
  const all = await startGpuLikeWorkers(o.workers + 1, o.cost);
  const initial = all.slice(0, o.workers);
  const removed = initial[0];
  const added = all[o.workers];
  const dns = new FakeDns('refdiff-worker.elastic.invalid');
  dns.set(initial.map(hostOf));
  const replicas: Replica[] = [];
  try {
    await startReplicasBehind(o, dns, portOf(all[0]), replicas);
    const token = await benchTenant(replicas[0].gw.services, `${o.tag}-tenant`);
    const ids = await queueRequests(replicas, token, o.requests, 1, o.tag);
    const t0 = performance.now();
    for (const r of replicas) r.gw.dispatcher?.start();
    // Change the pool once enough requests are done (counted on the stubs: completed calls).
    const completed = () => all.reduce((a, w) => a + w.calls.filter((c) => c.finishedAt !== null).length, 0);
    const target = Math.max(1, Math.floor(o.requests * (o.changeAtFraction ?? 0.25)));
    while (completed() < target) await new Promise((r) => setTimeout(r, 20));
    const doneAtChange = completed();
    const callsBefore = removed.calls.length;
    const changedAt = performance.now();
    dns.remove(hostOf(removed));
    dns.add(hostOf(added));
    const refusedBefore = removed.refused();
    const draining = removed.drain(o.drainGraceMs ?? 0);
    const finished = await waitAllDone(replicas[0].url, token, ids, 600_000);
    await draining;
    const wallMs = performance.now() - t0;
    const runs = completedRuns(all);
    const expressions = finished.map((f) => f.expression);
    const firstAdded = added.calls.length > 0 ? Math.min(...added.calls.map((c) => c.startedAt)) : null;
    return {
      requests: o.requests,
      succeeded: finished.filter((f) => f.status === 'SUCCEEDED').length,
      lost: finished.filter((f) => f.status !== 'SUCCEEDED').length,
      ranTwice: expressions.filter((e) => (runs.get(e) ?? 0) > 1).length,
      neverRan: expressions.filter((e) => !runs.has(e)).length,
      removedWorker: {
        target: removed.target,
        callsBefore,
        callsAfterRemoval: removed.calls.length - callsBefore,
        refusedWhileDraining: removed.refused() - refusedBefore,
      },
      addedWorker: { target: added.target, calls: added.calls.length, firstCallAfterMs: firstAdded === null ? null : Math.round(firstAdded - changedAt) },
      doneAtChange,
      wallMs: Math.round(wallMs),
      maxAttempts: Math.max(...finished.map((f) => f.attempts)),
      callsPerWorker: Object.fromEntries(all.map((w) => [w.target, w.calls.filter((c) => c.finishedAt !== null).length])),
    };
  } finally {
    for (const r of replicas) await r.close();
    for (const w of all) await w.close().catch(() => undefined);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
