/**
 * The fault suite against a real `refdiff serve` subprocess (issue 14): embedded PGlite with its local worker on
 * the fixture pack, and PostgreSQL mode. Hostile requests over HTTP, a 19 MB upload with /healthz polled meanwhile
 * (D6), cancel mid-run, the worker SIGKILLed mid-run, the gateway SIGKILLed mid-run and restarted on the same data
 * (nothing lost, nothing run twice, no orphaned worker), and SIGTERM (D7: exits within the deadline, worker
 * stopped). Each prints its figures (`[faults] …` lines; docs/gateway.md quotes them).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, generateScene, referringExpressions } from '@refdiff/synthetic';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditGraphqlHttp, DELIBERATE_NOTICES } from './graphql-http-audit';
import { codes, gql, upload } from './harness';
import { cloneTemplate } from './pg';

const REFDIFF_BIN = fileURLToPath(new URL('../../cli/bin/refdiff.js', import.meta.url));
const SHUTDOWN_TIMEOUT_MS = 15_000;

interface Served {
  proc: ChildProcess;
  url: string;
  adminToken: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `refdiff serve` in its own process, ready when /readyz counts a healthy worker. */
async function startServe(dataDir: string, env: Record<string, string> = {}): Promise<Served> {
  const proc = spawn(process.execPath, [REFDIFF_BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, LOG_LEVEL: 'warn', LEASE_MS: '3000', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 120_000;
  let url: string | undefined;
  while (Date.now() < deadline) {
    url ??= /GraphQL at (http:\/\/[^\s]+)\/graphql/.exec(out)?.[1];
    if (url) {
      const ready = (await fetch(`${url}/readyz`).then((r) => r.json()).catch(() => null)) as { workers?: number } | null;
      if (ready?.workers === 1) break;
    }
    if (proc.exitCode !== null) throw new Error(`refdiff serve exited early:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!url) throw new Error(`refdiff serve did not start:\n${out}`);
  const adminToken = (await readFile(join(dataDir, 'admin.key'), 'utf8')).trim();
  return { proc, url, adminToken, output: () => out, exited };
}

/** The local worker: the serve process's child running `refdiff worker`. */
function workerPid(servePid: number): number | null {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).split('\n');
  for (const row of rows) {
    const [pid, ppid, ...args] = row.trim().split(/\s+/);
    if (Number(ppid) === servePid && args.join(' ').includes(' worker ')) return Number(pid);
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < withinMs) {
    if (!alive(pid)) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

function rssMb(pid: number): number {
  return Math.round(Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024);
}

async function scene(seed: number) {
  const s = generateScene({ width: 192, height: 128, seed, objects: 3 });
  const png = await sharp(Buffer.from(s.image), { raw: { width: s.width, height: s.height, channels: 3 } }).png().toBuffer();
  return { png: new Uint8Array(png), expressions: referringExpressions(s, createRng(seed)).slice(0, 2).map((e) => e.text) };
}

/** A PNG of seeded noise, about 3 bytes a pixel (2600×2450 ≈ 19 MB): the probe's large upload. */
async function noisePng(width: number, height: number, seed: number): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < raw.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    raw[i] = s & 0xff;
  }
  return new Uint8Array(await sharp(raw, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer());
}

const SEGMENT = 'mutation($i: ID!, $e: [String!]!) { segment(imageId: $i, expressions: $e) { id } }';
const WAIT = 'query($ids: [ID!]!, $t: Int) { waitForSegmentations(ids: $ids, timeoutSeconds: $t) { id status attempts gpuMs mask { area } error { code } } }';

async function waitFinal(url: string, token: string, ids: string[], withinMs = 90_000) {
  const t0 = Date.now();
  for (;;) {
    const r = await gql(url, token, WAIT, { ids, t: 20 });
    const rows = r.data?.waitForSegmentations as { id: string; status: string; attempts: number; gpuMs: number | null; mask: unknown }[];
    if (rows && rows.every((x) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(x.status))) return rows;
    if (Date.now() - t0 > withinMs) return rows;
  }
}

/** Uploads while polling /healthz every 20 ms; the health latencies and the upload's outcome. */
async function uploadWithHealth(url: string, token: string, bytes: Uint8Array) {
  const latencies: number[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      const t = performance.now();
      await fetch(`${url}/healthz`).then((r) => r.text());
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  const r = await upload(url, token, bytes);
  const uploadMs = Math.round(performance.now() - t0);
  done = true;
  await poll;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]);
  return { status: r.status, id: r.body?.image?.id as string | undefined, uploadMs, polls: latencies.length, p50: q(0.5), p99: q(0.99), max: Math.round(latencies[latencies.length - 1]) };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('refdiff serve under faults (embedded PGlite, a subprocess with its local worker)', () => {
  let dataDir: string;
  let s: Served;
  let tenantToken: string;
  let bigPng: Uint8Array;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'refdiff-faults-'));
    dirs.push(dataDir);
    [s, bigPng] = await Promise.all([startServe(dataDir), noisePng(2600, 2450, 11)]);
    const t = await gql(s.url, s.adminToken, 'mutation { createTenant(name: "faults") { id } }');
    const k = await gql(s.url, s.adminToken, 'mutation($t: ID!) { createApiKey(tenantId: $t, name: "k") { token } }', { t: t.data!.createTenant.id });
    tenantToken = k.data!.createApiKey.token;
  }, 180_000);

  afterAll(async () => {
    if (s?.proc.exitCode === null) s.proc.kill('SIGKILL');
  });

  it('answers hostile requests with their typed errors (D1, D2, D3), never a 500', async () => {
    const parse = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: '{"query":"{"}' });
    expect(parse.status).toBe(400);
    const nul = await gql(s.url, tenantToken, SEGMENT, { i: '00000000-0000-0000-0000-000000000000', e: ['a\u0000'] });
    expect([nul.status, codes(nul)]).toEqual([400, ['BAD_USER_INPUT']]);
    const malformed = await gql(s.url, s.adminToken, '{ tenant(id: "abc") { id } }');
    expect(codes(malformed)).toEqual(['NOT_FOUND']);
  });

  it('passes graphql-http\'s server audit as served (0 errors, 0 warnings, only the documented notices)', async () => {
    const audit = await auditGraphqlHttp(`${s.url}/graphql`);
    expect(audit.total).toBeGreaterThan(50);
    expect([audit.errors, audit.warnings, audit.notices]).toEqual([[], [], DELIBERATE_NOTICES]);
  }, 60_000);

  it("D10 (the options helper's validation, against the pack the worker serves): refuses what the worker would, queueing and charging nothing", async () => {
    const sc = await scene(4);
    const img = (await upload(s.url, tenantToken, sc.png)).body.image.id;
    const count = async () => (await gql(s.url, tenantToken, '{ segmentations { totalCount } }')).data!.segmentations.totalCount as number;
    const before = await count();
    const SEG = 'mutation($i: ID!, $e: [String!]!, $o: SegmentOptionsInput) { segment(imageId: $i, expressions: $e, options: $o) { id } }';
    const refused: [string, string[], Record<string, unknown>][] = [
      ['strength 1', [sc.expressions[0]], { strength: 1 }],
      ['steps 1000', [sc.expressions[0]], { steps: 1000 }],
      ['500-character expression', ['the red ' + 'very '.repeat(100) + 'big ball'], {}],
      ['emoji-only expression', ['🐶🐱'], {}],
      ['fusion weights all 0', [sc.expressions[0]], { weights: { hard: 0, soft: 0, generative: 0 } }],
    ];
    for (const [what, e, o] of refused) {
      const r = await gql(s.url, tenantToken, SEG, { i: img, e, o });
      expect(codes(r), what).toEqual(['BAD_USER_INPUT']);
    }
    expect(await count()).toBe(before);
    // The documented seed range reaches 2^32 - 1.
    const seeded = await gql(s.url, tenantToken, SEG, { i: img, e: [sc.expressions[0]], o: { seed: 4294967295 } });
    expect(seeded.errors).toBeUndefined();
    await gql(s.url, tenantToken, 'mutation($id: ID!) { cancelSegmentation(id: $id) { status } }', { id: seeded.data!.segment[0].id });
  });

  it('D6: a 19 MB PNG upload leaves /healthz answering and memory bounded (bytes in the file store, not PGlite)', async () => {
    expect(bigPng.length).toBeGreaterThan(19_000_000);
    const before = rssMb(s.proc.pid!);
    const r = await uploadWithHealth(s.url, tenantToken, bigPng);
    const after = rssMb(s.proc.pid!);
    console.log(`[faults] embedded: 19 MB upload ${r.uploadMs} ms, /healthz polled ${r.polls}× p50 ${r.p50} ms p99 ${r.p99} ms max ${r.max} ms, RSS ${before} → ${after} MB`);
    expect(r.status).toBe(201);
    // Before the fix: the upload took 20 s and health answered after 14 s; RSS grew by 1.5 GB. Loose bounds, so a
    // busy CI machine does not flake, tight enough that the defect fails.
    expect(r.max).toBeLessThan(2_000);
    expect(after - before).toBeLessThan(400);
    // The bytes come back exactly, from the file store.
    const back = await fetch(`${s.url}/v1/images/${r.id}`, { headers: { authorization: `Bearer ${tenantToken}` } });
    expect(Buffer.from(await back.arrayBuffer()).equals(Buffer.from(bigPng))).toBe(true);
    expect(execFileSync('ls', [join(dataDir, 'images')], { encoding: 'utf8' }).trim()).toMatch(/^[0-9a-f-]{36}$/);
  }, 60_000);

  it('cancel mid-run: a cancelled request ends CANCELLED, and its result (if the worker finishes it) is dropped', async () => {
    const sc = await scene(5);
    const img = (await upload(s.url, tenantToken, sc.png)).body.image.id;
    const ids = (await gql(s.url, tenantToken, SEGMENT, { i: img, e: sc.expressions })).data!.segment.map((x: { id: string }) => x.id);
    // Let the dispatcher claim them, then cancel the last while the call runs.
    await new Promise((r) => setTimeout(r, 300));
    const c = await gql(s.url, tenantToken, 'mutation($id: ID!) { cancelSegmentation(id: $id) { status } }', { id: ids[1] });
    expect(c.data!.cancelSegmentation.status).toBe('CANCELLED');
    const rows = await waitFinal(s.url, tenantToken, ids);
    expect(rows.map((x) => x.status)).toEqual(['SUCCEEDED', 'CANCELLED']);
    expect(rows[1].mask).toBeNull();
  }, 120_000);

  it('worker SIGKILLed mid-run: it is restarted, every request succeeds once', async () => {
    const sc = await scene(6);
    const img = (await upload(s.url, tenantToken, sc.png)).body.image.id;
    const ids = (await gql(s.url, tenantToken, SEGMENT, { i: img, e: sc.expressions })).data!.segment.map((x: { id: string }) => x.id);
    await new Promise((r) => setTimeout(r, 300));
    const w = workerPid(s.proc.pid!);
    expect(w).not.toBeNull();
    process.kill(w!, 'SIGKILL');
    const rows = await waitFinal(s.url, tenantToken, ids);
    console.log(`[faults] embedded: worker SIGKILLed mid-run; ${rows.length} requests → ${rows.map((x) => `${x.status}/${x.attempts} attempts`).join(', ')}`);
    expect(rows.map((x) => x.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(workerPid(s.proc.pid!)).not.toBe(w);
  }, 150_000);

  it('gateway SIGKILLed mid-run: no orphaned worker; restarted on the same data, every request completes once', async () => {
    const sc = await scene(7);
    const img = (await upload(s.url, tenantToken, sc.png)).body.image.id;
    const ids = (await gql(s.url, tenantToken, SEGMENT, { i: img, e: sc.expressions })).data!.segment.map((x: { id: string }) => x.id);
    await new Promise((r) => setTimeout(r, 300));
    const w = workerPid(s.proc.pid!)!;
    s.proc.kill('SIGKILL');
    await s.exited;
    // Its worker sees its stdin pipe close and exits: nothing holds memory or a port afterwards.
    const workerGoneMs = await gone(w, 10_000);
    expect(workerGoneMs, 'the local worker outlived a SIGKILLed gateway').not.toBeNull();
    s = await startServe(dataDir);
    const rows = await waitFinal(s.url, tenantToken, ids);
    const usage = await gql(s.url, tenantToken, 'query($f: DateTime!, $t: DateTime!) { usage(from: $f, to: $t, granularity: DAY) { totals { expressions } } }', {
      f: new Date(Date.now() - 86_400_000).toISOString(),
      t: new Date(Date.now() + 86_400_000).toISOString(),
    });
    console.log(`[faults] embedded: gateway SIGKILLed mid-run (worker exited ${workerGoneMs} ms later); after restart ${rows.map((x) => x.status).join(', ')}`);
    expect(rows.map((x) => x.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // Usage counts each expression once: 2 per scene call so far and the seeded one (cancelled ones were charged when
    // queued), never a retried one twice.
    expect(usage.data!.usage.totals.expressions).toBe(7);
  }, 240_000);

  it('D7: SIGTERM stops the gateway and its worker within the shutdown deadline, exit code 0', async () => {
    const sc = await scene(8);
    const img = (await upload(s.url, tenantToken, sc.png)).body.image.id;
    await gql(s.url, tenantToken, SEGMENT, { i: img, e: sc.expressions });
    await new Promise((r) => setTimeout(r, 300));
    const w = workerPid(s.proc.pid!)!;
    const t0 = Date.now();
    s.proc.kill('SIGTERM');
    const exit = await s.exited;
    const ms = Date.now() - t0;
    console.log(`[faults] embedded: SIGTERM with work in flight → exit ${exit.code} after ${ms} ms`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(alive(w), 'the local worker outlived its gateway').toBe(false);
  }, 60_000);
});

describe('refdiff serve under faults (PostgreSQL mode, a subprocess)', () => {
  it('D6/D7: a 19 MB upload leaves /healthz answering; SIGTERM exits 0 within the deadline with its worker stopped', async () => {
    const clone = await cloneTemplate();
    const dataDir = await mkdtemp(join(tmpdir(), 'refdiff-faults-pg-'));
    dirs.push(dataDir);
    try {
      const [s, png] = await Promise.all([startServe(dataDir, { DATABASE_URL: clone.url }), noisePng(2600, 2450, 12)]);
      try {
        const r = await uploadWithHealth(s.url, s.adminToken, png);
        console.log(`[faults] postgres: 19 MB upload ${r.uploadMs} ms, /healthz polled ${r.polls}× p50 ${r.p50} ms p99 ${r.p99} ms max ${r.max} ms`);
        expect(r.status).toBe(201);
        // The bytes go into the PostgreSQL row (shared by every replica); the driver serialises them on the event
        // loop, so this mode's pause is shorter than embedded mode's was but not zero (docs/gateway.md).
        expect(r.max).toBeLessThan(5_000);
        const w = workerPid(s.proc.pid!)!;
        const t0 = Date.now();
        s.proc.kill('SIGTERM');
        const exit = await s.exited;
        expect(exit).toEqual({ code: 0, signal: null });
        expect(Date.now() - t0).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
        expect(alive(w)).toBe(false);
      } finally {
        if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
      }
    } finally {
      await clone.drop();
    }
  }, 180_000);
});
