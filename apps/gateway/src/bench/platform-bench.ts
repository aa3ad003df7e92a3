/**
 * `refdiff bench platform`: what the platform path costs and how it scales, in one run on this machine —
 *  1. overhead: `segment(…, waitSeconds)` → result in one GraphQL operation through the database and gRPC against a
 *     stub that answers at once, vs the same stub called directly over gRPC; p50/p95 at 1, 10 and 50 concurrent
 *     clients; the two-operation path (`segment`, then `waitForSegmentations`) is measured beside it;
 *  2. scaling: 2 gateway replicas, 1/2/4 GPU-like stubs behind one DNS name; throughput vs workers ÷ per-call time;
 *  3. elasticity: a worker removed (drained) and one added while requests run.
 * The overhead part runs the gateway under test in a process of its own (`--gateway process`, the default: the real
 * entry, src/main.ts, as in production; gateway-process.ts) while the clients and the stub share this one;
 * `--gateway same-process` runs it here too, as the scaling and elasticity parts always do (their replicas are
 * started in-process to inject the DNS resolver), so those figures include the clients' and stubs' competition for
 * the CPU. The load average is reported with every figure.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { createWorkerClient } from '@refdiff/worker-contract';
import { openPglite, openPostgres, type Database } from '../db/database';
import { createServices, type Services } from '../services';
import { startFakeWorker } from '../testing/fake-worker';
import { startGatewayProcess } from './gateway-process';
import {
  benchTenant,
  distinctPng,
  gql,
  runElasticity,
  runScaling,
  SEGMENT,
  SEGMENT_WAIT,
  startReplica,
  uploadImage,
  WAIT,
  type ElasticityResult,
  type OpenDatabase,
  type ScalingResult,
} from './platform-scenarios';

export interface PlatformBenchOptions {
  /** PostgreSQL server to create a scratch database on; when unreachable (or null) an embedded PGlite is used */
  databaseUrl: string | null;
  clients: readonly number[];
  /** tenants the overhead part's clients are spread over (1: all clients of one tenant) */
  tenants: number;
  /** measured requests per client count (after a warm-up) */
  requestsPerLevel: number;
  workers: readonly number[];
  replicas: number;
  /** requests queued for each scaling level, per worker */
  scalingRequestsPerWorker: number;
  elasticityRequests: number;
  imageMs: number;
  expressionMs: number;
  /** which parts to run */
  parts: readonly ('overhead' | 'scaling' | 'elasticity')[];
  /** the overhead part's gateway: its own process (PostgreSQL only; PGlite falls back to same-process) or this one */
  gateway: 'process' | 'same-process';
  /** the gateway process's port (0: any free one) */
  gatewayPort: number;
  logger: Logger;
}

export interface LatencyFigures {
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
}

export interface PlatformFigures extends LatencyFigures {
  requestsPerSecond: number;
  /** CPU time per request of the gateway, the clients and the stub together (both processes) */
  cpuMsPerRequest: number;
  /** the gateway process's own CPU time per request (null when it runs in the bench's process) */
  gatewayCpuMsPerRequest: number | null;
  sqlStatementsPerRequest: number | null;
}

export interface OverheadLevel {
  clients: number;
  requests: number;
  direct: LatencyFigures & { requestsPerSecond: number };
  /** one GraphQL operation a request: `segment(…, waitSeconds)` answers with the result */
  platform: PlatformFigures;
  /** platform − direct */
  overheadP50Ms: number;
  overheadP95Ms: number;
  /** two operations a request, as before `waitSeconds`: `segment`, then `waitForSegmentations` */
  twoOperations: PlatformFigures & { overheadP50Ms: number; overheadP95Ms: number };
}

export interface PlatformBenchResult {
  database: { kind: 'postgres' | 'pglite'; note: string };
  machine: { cpus: number; loadAverageStart: number[]; loadAverageEnd: number[] };
  overhead?: { tenants: number; gateway: 'process' | 'same-process'; levels: OverheadLevel[]; goal: string; goalMet: boolean };
  scaling?: { cost: { imageMs: number; expressionMs: number }; levels: ScalingResult[]; goal: string; goalMet: boolean };
  elasticity?: ElasticityResult & { goal: string; goalMet: boolean };
  wallSeconds: number;
}

/** A scratch database: a fresh PostgreSQL database (dropped at the end) or an embedded PGlite in a temp folder. */
async function scratchDatabase(databaseUrl: string | null, logger: Logger) {
  if (databaseUrl) {
    const admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
    try {
      await admin.connect();
      const name = `refdiff_bench_platform_${process.pid}_${randomBytes(3).toString('hex')}`;
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.end();
      const url = new URL(databaseUrl);
      url.pathname = `/${name}`;
      const first = await openPostgres(url.toString(), { poolMax: 2 });
      await first.migrate();
      await first.close();
      const open: OpenDatabase = async () => {
        const db = await openPostgres(url.toString(), { poolMax: 6 });
        return { db, close: () => db.close() };
      };
      const drop = async () => {
        const c = new pg.Client({ connectionString: databaseUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      };
      return { kind: 'postgres' as const, url: url.toString(), note: `PostgreSQL at ${url.host}, scratch database ${name}, one connection pool (6) per replica`, open, drop };
    } catch (err) {
      await admin.end().catch(() => undefined);
      logger.warn({ err: String(err) }, 'PostgreSQL unreachable: the bench uses an embedded PGlite');
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'refdiff-bench-platform-'));
  const db: Database = await openPglite(dir);
  await db.migrate();
  const open: OpenDatabase = async () => ({ db, close: async () => undefined });
  return {
    kind: 'pglite' as const,
    url: null,
    note: databaseUrl ? 'embedded PGlite (PostgreSQL unreachable): the replicas share one in-process database' : 'embedded PGlite (--no-postgres): the replicas share one in-process database',
    open,
    drop: async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function figures(ms: number[]): LatencyFigures {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { p50Ms: r1(at(0.5)), p95Ms: r1(at(0.95)), meanMs: r1(s.reduce((a, b) => a + b, 0) / s.length) };
}
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Counts the SQL statements this process sends to PostgreSQL (every node-postgres `Client#query`: Prisma's adapter,
 * the migration runner and LISTEN connections all go through it; BEGIN/COMMIT count as statements). PGlite: null.
 */
function countSqlStatements(): { count(): number; stop(): void } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let n = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    n++;
    return original.apply(this, args);
  };
  return { count: () => n, stop: () => void (proto.query = original) };
}

/** `clients` loops that each run `fn` until `total` calls are done; returns each call's latency. */
async function closedLoop(clients: number, total: number, fn: (client: number, i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        await fn(c, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - t0 };
}

/** The gateway the overhead part measures: in a process of its own, or a replica in this one. */
interface OverheadTarget {
  url: string;
  services: Services;
  /** SQL statements sent (null: not counted) and CPU µs used by the gateway process, when it is not this one */
  sample(): Promise<{ sqlStatements: number | null; cpuMicros: number | null }>;
  close(): Promise<void>;
}

async function overheadTarget(o: PlatformBenchOptions, openDb: OpenDatabase, databaseUrl: string | null, stubTarget: string): Promise<OverheadTarget> {
  if (o.gateway === 'process' && databaseUrl) {
    const gp = await startGatewayProcess({ databaseUrl, workers: [stubTarget], port: o.gatewayPort });
    try {
      // tenants and keys are made through this process's own services over the same database
      const { db, close } = await openDb();
      const services = createServices(db, o.logger.child({ component: 'bench-setup' }, { level: 'warn' }), null);
      return {
        url: gp.url,
        services,
        sample: () => gp.sample(),
        close: async () => {
          await gp.close();
          await close();
        },
      };
    } catch (err) {
      await gp.close();
      throw err;
    }
  }
  const replica = await startReplica({ openDb, logger: o.logger, targets: [stubTarget] });
  return { url: replica.url, services: replica.gw.services, sample: async () => ({ sqlStatements: null, cpuMicros: null }), close: () => replica.close() };
}

/**
 * Requests run before each measured loop: enough that the loop sees steady state (compiled code, pooled
 * connections, prepared statements) rather than a few start-up calls, which at 10 clients were half the old 20.
 */
const warmUp = (clients: number) => Math.max(clients * 2, 100);

async function runOverhead(o: PlatformBenchOptions, openDb: OpenDatabase, dbKind: 'postgres' | 'pglite', databaseUrl: string | null): Promise<OverheadLevel[]> {
  const maxClients = Math.max(...o.clients);
  // Answers at once; room for every client's call (the stub is not what is measured).
  const stub = await startFakeWorker({ maxConcurrent: maxClients * 2, delayMs: 0 });
  const direct = createWorkerClient(stub.target);
  const levels: OverheadLevel[] = [];
  let target: OverheadTarget | undefined;
  try {
    target = await overheadTarget(o, openDb, dbKind === 'postgres' ? databaseUrl : null, stub.target);
    const replica = target;
    const tokens: string[] = [];
    for (let t = 0; t < o.tenants; t++) tokens.push(await benchTenant(replica.services, `overhead-${t}`));
    const tokenOf = (c: number) => tokens[c % tokens.length];
    // One image per client, already cached by the stub (hash-first hits) on both paths.
    const images: { id: string; sha256: string }[] = [];
    for (let c = 0; c < maxClients; c++) {
      const bytes = await distinctPng(10_000 + c);
      const id = await uploadImage(replica.url, tokenOf(c), bytes);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await direct.segmentRaw({ imageData: bytes, expressions: ['warm'], cacheNamespace: 'direct' }, { deadlineMs: 10_000 });
      images.push({ id, sha256 });
    }
    // One operation: `segment` waits for the result (a slow answer that is not final yet is waited for again).
    const viaPlatform = async (c: number, i: number) => {
      const token = tokenOf(c);
      const r = await gql<{ segment: { id: string; status: string }[] }>(replica.url, token, SEGMENT_WAIT, { i: images[c].id, e: [`thing ${c}-${i}`], w: 20 });
      await untilDone(token, r.segment[0]);
    };
    // Two operations, as before `waitSeconds`: `segment`, then the `waitForSegmentations` long poll.
    const viaTwoOperations = async (c: number, i: number) => {
      const token = tokenOf(c);
      const r = await gql<{ segment: { id: string; status: string }[] }>(replica.url, token, SEGMENT, { i: images[c].id, e: [`thing ${c}-${i}`] });
      await untilDone(token, { id: r.segment[0].id, status: 'QUEUED' });
    };
    const untilDone = async (token: string, row: { id: string; status: string }) => {
      for (let s = row.status; ; ) {
        if (s === 'SUCCEEDED') return;
        if (s === 'FAILED' || s === 'CANCELLED') throw new Error(`request ${row.id} ${s}`);
        const w = await gql<{ waitForSegmentations: { status: string }[] }>(replica.url, token, WAIT, { ids: [row.id], t: 20 });
        s = w.waitForSegmentations[0].status;
      }
    };
    const viaDirect = async (c: number, i: number) => {
      await direct.segmentRaw({ imageSha256: images[c].sha256, expressions: [`thing ${c}-${i}`], cacheNamespace: 'direct' }, { deadlineMs: 10_000 });
    };
    const measure = async (clients: number, requests: number, fn: (c: number, i: number) => Promise<void>): Promise<PlatformFigures> => {
      await closedLoop(clients, warmUp(clients), fn);
      const sql = dbKind === 'postgres' ? countSqlStatements() : null;
      const gw0 = await replica.sample();
      const cpu0 = process.cpuUsage();
      const p = await closedLoop(clients, requests, fn);
      const cpu = process.cpuUsage(cpu0);
      const gw1 = await replica.sample();
      sql?.stop();
      const gatewayCpuMs = gw0.cpuMicros === null || gw1.cpuMicros === null ? null : (gw1.cpuMicros - gw0.cpuMicros) / 1000;
      // the gateway's own statements when it is a process of its own (the count here is then only the bench's setup)
      const statements = gw0.sqlStatements === null || gw1.sqlStatements === null ? (sql?.count() ?? null) : gw1.sqlStatements - gw0.sqlStatements;
      return {
        ...figures(p.latencies),
        requestsPerSecond: r1((requests / p.wallMs) * 1000),
        cpuMsPerRequest: r1(((cpu.user + cpu.system) / 1000 + (gatewayCpuMs ?? 0)) / requests),
        gatewayCpuMsPerRequest: gatewayCpuMs === null ? null : r2(gatewayCpuMs / requests),
        sqlStatementsPerRequest: statements === null ? null : r1(statements / requests),
      };
    };
    for (const clients of o.clients) {
      const requests = Math.max(o.requestsPerLevel, clients * 4);
      await closedLoop(clients, warmUp(clients), viaDirect);
      const d = await closedLoop(clients, requests, viaDirect);
      const df = figures(d.latencies);
      const two = await measure(clients, requests, viaTwoOperations);
      const pf = await measure(clients, requests, viaPlatform);
      levels.push({
        clients,
        requests,
        direct: { ...df, requestsPerSecond: r1((requests / d.wallMs) * 1000) },
        platform: pf,
        overheadP50Ms: r1(pf.p50Ms - df.p50Ms),
        overheadP95Ms: r1(pf.p95Ms - df.p95Ms),
        twoOperations: { ...two, overheadP50Ms: r1(two.p50Ms - df.p50Ms), overheadP95Ms: r1(two.p95Ms - df.p95Ms) },
      });
      o.logger.info({ clients, platformP50: pf.p50Ms, directP50: df.p50Ms }, 'overhead level done');
    }
  } finally {
    direct.close();
    await target?.close();
    await stub.close();
  }
  return levels;
}

export async function runPlatformBench(o: PlatformBenchOptions): Promise<PlatformBenchResult> {
  const started = performance.now();
  const loadAverageStart = loadavg().map(r2);
  const scratch = await scratchDatabase(o.databaseUrl, o.logger);
  const result: PlatformBenchResult = {
    database: { kind: scratch.kind, note: scratch.note },
    machine: { cpus: cpus().length, loadAverageStart, loadAverageEnd: [] },
    wallSeconds: 0,
  };
  const cost = { imageMs: o.imageMs, expressionMs: o.expressionMs };
  try {
    if (o.parts.includes('overhead')) {
      const levels = await runOverhead(o, scratch.open, scratch.kind, scratch.url);
      const at10 = levels.find((l) => l.clients === 10);
      const gateway = o.gateway === 'process' && scratch.kind === 'postgres' ? 'process' : 'same-process';
      result.overhead = { tenants: o.tenants, gateway, levels, goal: 'p50 overhead < 15 ms at 10 clients', goalMet: !!at10 && at10.overheadP50Ms < 15 };
    }
    if (o.parts.includes('scaling')) {
      const levels: ScalingResult[] = [];
      for (const workers of o.workers) {
        levels.push(
          await runScaling({
            openDb: scratch.open,
            logger: o.logger,
            workers,
            replicas: o.replicas,
            requests: o.scalingRequestsPerWorker * workers,
            expressionsPerRequest: 1,
            cost,
            tag: `scale${workers}`,
          }),
        );
        o.logger.info({ workers, efficiency: levels.at(-1)?.efficiency }, 'scaling level done');
      }
      result.scaling = { cost, levels, goal: 'throughput within 10 % of workers ÷ per-call time', goalMet: levels.every((l) => l.efficiency >= 0.9 && l.failed === 0) };
    }
    if (o.parts.includes('elasticity')) {
      const e = await runElasticity({
        openDb: scratch.open,
        logger: o.logger,
        replicas: o.replicas,
        workers: 2,
        requests: o.elasticityRequests,
        cost,
        drainGraceMs: 5_000,
        tag: 'elastic',
      });
      result.elasticity = {
        ...e,
        goal: 'none lost, none run twice, every request done, new worker used within 5 s',
        goalMet: e.lost === 0 && e.ranTwice === 0 && e.neverRan === 0 && e.addedWorker.firstCallAfterMs !== null && e.addedWorker.firstCallAfterMs <= 5_000,
      };
    }
  } finally {
    await scratch.drop();
  }
  result.machine.loadAverageEnd = loadavg().map(r2);
  result.wallSeconds = r1((performance.now() - started) / 1000);
  return result;
}

/** The result as a few readable lines. */
export function formatPlatformBench(r: PlatformBenchResult): string {
  const out: string[] = [`database: ${r.database.kind} (${r.database.note})`];
  if (r.overhead) {
    out.push(
      `overhead (segment(waitSeconds) → result in one GraphQL operation via ${r.database.kind} + gRPC, vs the stub called directly; clients of ${r.overhead.tenants} tenant(s); ` +
        `${r.overhead.gateway === 'process' ? 'the gateway in a process of its own (src/main.ts, as in production), clients and stub in this one' : 'gateway, clients and stub in this one process'}), ms:`,
    );
    const costs = (p: PlatformFigures) =>
      `${p.requestsPerSecond} req/s, ${p.cpuMsPerRequest} CPU ms/req${p.gatewayCpuMsPerRequest === null ? '' : ` (gateway ${p.gatewayCpuMsPerRequest})`}${p.sqlStatementsPerRequest === null ? '' : `, ${p.sqlStatementsPerRequest} SQL statements/req`}`;
    for (const l of r.overhead.levels) {
      const t = l.twoOperations;
      out.push(
        `  ${String(l.clients).padStart(3)} clients: platform p50 ${l.platform.p50Ms} p95 ${l.platform.p95Ms} | direct p50 ${l.direct.p50Ms} p95 ${l.direct.p95Ms} | overhead p50 ${l.overheadP50Ms} p95 ${l.overheadP95Ms} | ${costs(l.platform)}`,
        `      two operations (segment, then waitForSegmentations): platform p50 ${t.p50Ms} p95 ${t.p95Ms} | overhead p50 ${t.overheadP50Ms} p95 ${t.overheadP95Ms} | ${costs(t)}`,
      );
    }
    out.push(`  goal (${r.overhead.goal}): ${r.overhead.goalMet ? 'met' : 'NOT met'}`);
  }
  if (r.scaling) {
    out.push(`scaling (${r.scaling.levels[0]?.replicas} replicas, ${r.scaling.cost.imageMs} ms per image + ${r.scaling.cost.expressionMs} ms per expression):`);
    for (const l of r.scaling.levels)
      out.push(
        `  ${l.workers} workers: ${l.requestsPerSecond} req/s of ideal ${l.idealRequestsPerSecond} (${(l.efficiency * 100).toFixed(1)} %), workers busy ${(l.deviceBusy * 100).toFixed(1)} %, calls per worker ${l.callsPerWorker.join('/')}, failed ${l.failed}, ${l.cpuMsPerRequest} CPU ms/req (CPU ${l.cpuUtilisation})`,
      );
    out.push(`  goal (${r.scaling.goal}): ${r.scaling.goalMet ? 'met' : 'NOT met'}`);
  }
  if (r.elasticity) {
    const e = r.elasticity;
    out.push(
      `elasticity: ${e.succeeded}/${e.requests} succeeded, lost ${e.lost}, ran twice ${e.ranTwice}, never ran ${e.neverRan}; removed worker ran ${e.removedWorker.callsAfterRemoval} calls after removal (refused ${e.removedWorker.refusedWhileDraining}); added worker: ${e.addedWorker.calls} calls, first ${e.addedWorker.firstCallAfterMs} ms after it was added`,
    );
    out.push(`  goal (${e.goal}): ${e.goalMet ? 'met' : 'NOT met'}`);
  }
  out.push(`load average ${r.machine.loadAverageStart.join(' ')} at start, ${r.machine.loadAverageEnd.join(' ')} at end (${r.machine.cpus} CPUs); ${r.wallSeconds} s`);
  return `${out.join('\n')}\n`;
}
