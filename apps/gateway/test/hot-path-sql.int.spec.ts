/**
 * The plain-SQL hot path (src/segmentation/segmentation.sql.ts) against the Prisma code it replaced
 * (test/prisma-reference.ts), on PostgreSQL and on embedded PGlite: two tenants get the same random inputs, one
 * through each implementation, and must end with the same requests, results, usage events and rollups; reads return
 * exactly what Prisma's findMany returns; the claim returns exactly what the Prisma claim returned.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/__generated__/prisma/client';
import { openPglite, openPostgres, type Database } from '../src/db/database';
import type { ClaimedRequest, FailureOutcome, SuccessOutcome } from '../src/dispatch/queue.repository';
import { STATUS_CHANNEL, parseStatusEvent, type StatusEvent } from '../src/segmentation/segmentation-feed';
import { SegmentationRepository, DONE_CHANNEL } from '../src/segmentation/segmentation.repository';
import { claimDue, finishRequests, getRequests } from '../src/segmentation/segmentation.sql';
import { ResultRecorder } from '../src/dispatch/result-recorder';
import { claimPrisma, createBatchPrisma, finishPrisma, getManyPrisma } from './prisma-reference';
import { useClonedDatabase } from './pg';

const database = useClonedDatabase();

/** mulberry32: the same random inputs on every run */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)];
  const text = () => {
    const alphabet = ['a', 'Z', ' ', '"', "'", '\\', 'é', '漢', '🙂', '\n', '{', '}', '$1', '%', '_'];
    return Array.from({ length: 1 + int(12) }, () => pick(alphabet)).join('');
  };
  const json = (depth = 0): unknown => {
    const k = int(depth > 2 ? 4 : 6);
    if (k === 0) return int(1000) - 500;
    if (k === 1) return next() * 1e6 - 5e5;
    if (k === 2) return text();
    if (k === 3) return pick([true, false, null]);
    if (k === 4) return Array.from({ length: int(4) }, () => json(depth + 1));
    return Object.fromEntries(Array.from({ length: int(4) }, () => [text(), json(depth + 1)]));
  };
  return { next, int, pick, text, json };
}

async function tenantWithImage(prisma: PrismaClient, name: string, bytes: Uint8Array) {
  const tenant = await prisma.tenant.create({ data: { name } });
  const image = await prisma.image.create({
    data: { tenantId: tenant.id, sha256: createHash('sha256').update(bytes).digest('hex'), format: 'PNG', byteSize: bytes.length, width: 4, height: 4, data: Buffer.from(bytes) },
  });
  return { tenantId: tenant.id, imageId: image.id };
}

type Row = Record<string, unknown>;

/**
 * Prisma does not keep every double in a JSON column exactly: it can lose the last digit of a 17-digit one
 * (401001.47295743227 came back as 401001.4729574323) where node-postgres and PGlite keep it (JSON.stringify in, JSON.parse
 * out; checked exactly below). Fractions in JSON columns are therefore compared to 15 significant digits.
 */
const JSON_COLUMNS = ['options', 'maskRle', 'scores', 'timingsMs'];
const roughly = (v: unknown): unknown =>
  typeof v === 'number' && !Number.isInteger(v)
    ? Number(v.toPrecision(15))
    : Array.isArray(v)
      ? v.map(roughly)
      : v && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date)
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roughly(x)]))
        : v;
const jsonRoughly = <T extends object>(r: T): T =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, JSON_COLUMNS.includes(k) ? roughly(v) : v])) as T;

/** A tenant's requests, events and rollups with its own ids replaced by positions, to compare across tenants. */
async function snapshot(db: Database, tenantId: string) {
  const requests = await db.sql.query<Row>(
    `SELECT * FROM "segmentation_requests" WHERE "tenantId" = $1::uuid ORDER BY "createdAt", "batchIndex", "expression"`,
    [tenantId],
  );
  const position = new Map(requests.map((r, i) => [r.id as string, i]));
  const batches = new Map<string, number>();
  const strip = (r: Row) => {
    const { id: _id, tenantId: _t, imageId: _i, batchId, ...rest } = r;
    if (!batches.has(batchId as string)) batches.set(batchId as string, batches.size);
    return { ...jsonRoughly(rest), batch: batches.get(batchId as string), attentionPng: rest.attentionPng ? Buffer.from(rest.attentionPng as Uint8Array).toString('hex') : null };
  };
  const events = await db.sql.query<Row>(`SELECT "kind", "quantity", "requestId", "at" FROM "usage_events" WHERE "tenantId" = $1::uuid ORDER BY "id"`, [tenantId]);
  const rollups = await db.sql.query<Row>(
    `SELECT "bucket", "requests", "expressions", "images", "gpuMs"::text AS "gpuMs", "failures" FROM "usage_rollups" WHERE "tenantId" = $1::uuid ORDER BY "bucket"`,
    [tenantId],
  );
  return {
    requests: requests.map(strip),
    // one statement inserts a call's events in no set order: compared as a set
    events: events
      .map((e) => ({ ...e, requestId: e.requestId === null ? null : position.get(e.requestId as string) }))
      .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    rollups,
  };
}

const byId = <T extends { id: string }>(rows: readonly T[]) => [...rows].sort((x, y) => x.id.localeCompare(y.id));

const stripIds = (rows: readonly Row[]) => rows.map(({ id: _id, tenantId: _t, imageId: _i, batchId: _b, ...rest }) => jsonRoughly(rest));

function randomOutcome(r: ReturnType<typeof rng>): SuccessOutcome | FailureOutcome {
  if (r.int(3) === 0) return { status: 'FAILED', worker: r.pick(['127.0.0.1:1', null]), errorCode: r.pick(['INTERNAL', 'IMAGE_MISSING']), errorMessage: r.text(), gpuMs: r.int(2) * r.int(50) };
  const h = 1 + r.int(40);
  const w = 1 + r.int(40);
  return {
    status: 'SUCCEEDED',
    worker: `127.0.0.1:${r.int(65_535)}`,
    maskRle: { size: [h, w], counts: r.text() },
    maskBox: [r.int(w), r.int(h), r.int(w), r.int(h)],
    maskArea: r.int(h * w),
    score: r.next() * 2 - 1,
    scores: { chosen: r.int(3), proposals: [{ score: r.next(), bbox: [1, 2, 3, 4] }], directions: [{ cue: r.text(), index: r.int(3) }], extra: r.json() as object },
    rootWord: r.pick([null, r.text()]),
    attentionPng: r.int(2) === 0 ? null : new Uint8Array(randomBytes(1 + r.int(64))),
    timingsMs: { encode: r.next() * 100, imageShare: r.next() * 10 },
    gpuMs: r.int(3) === 0 ? 0 : r.int(500),
  };
}

async function compareImplementations(db: Database, seed: number) {
  const r = rng(seed);
  const bytes = new Uint8Array(randomBytes(32));
  const a = await tenantWithImage(db.prisma, `prisma-${seed}`, bytes);
  const b = await tenantWithImage(db.prisma, `sql-${seed}`, bytes);
  const other = await tenantWithImage(db.prisma, `other-${seed}`, new Uint8Array(randomBytes(32)));
  const repo = new SegmentationRepository(db.prisma, db.sql);
  const at0 = Date.UTC(2026, 11, 6, 10, 59, 0);
  const keys: string[] = [];

  // queueing: plain batches, idempotency keys (new and replayed), quotas (under and over), someone else's image
  for (let i = 0; i < 24; i++) {
    const at = new Date(at0 + i * 7_001 + r.int(1000));
    const expressions = Array.from({ length: 1 + r.int(4) }, () => r.text());
    const key = r.int(3) === 0 ? (keys.length > 0 && r.int(2) === 0 ? r.pick(keys) : `key-${i}-${r.text()}`) : null;
    if (key && !keys.includes(key)) keys.push(key);
    const quota = r.pick([null, null, 10_000, 20 + r.int(40)]);
    const foreign = r.int(10) === 0;
    const input = { expressions, options: r.json() as object, idempotencyKey: key, maxAttempts: 1 + r.int(5), monthlyExpressionQuota: quota };
    const old = await createBatchPrisma(db.prisma, a.tenantId, { ...input, imageId: foreign ? other.imageId : a.imageId }, at);
    const now = await repo.createBatch(b.tenantId, { ...input, imageId: foreign ? other.imageId : b.imageId }, at);
    expect(now.kind, `batch ${i}`).toBe(old.kind);
    if ((old.kind === 'created' || old.kind === 'replayed') && (now.kind === 'created' || now.kind === 'replayed')) {
      expect(stripIds(now.requests as unknown as Row[])).toEqual(stripIds(old.requests as unknown as Row[]));
      // what the service hands to GraphQL: exactly Prisma's findMany rows
      const read = await getManyPrisma(db.prisma, b.tenantId, now.requests.map((x) => x.id));
      expect(now.requests.map(jsonRoughly)).toEqual(read.sort((x, y) => x.batchIndex - y.batchIndex).map(jsonRoughly));
      // and the SQL path keeps the options exactly as given
      if (now.kind === 'created') for (const q of now.requests) expect(q.options).toEqual(input.options);
    }
    if (old.kind === 'overQuota' && now.kind === 'overQuota') expect(now.used).toBe(old.used);
  }
  expect(await snapshot(db, b.tenantId)).toEqual(await snapshot(db, a.tenantId));

  // claiming: the Prisma claim (rolled back) and the SQL claim take the same rows, in the same order, with the same fields
  const rollback = new Error('rollback');
  let viaPrisma: unknown;
  await db.prisma
    .$transaction(async (tx) => {
      viaPrisma = await claimPrisma(tx as unknown as PrismaClient, 'owner-1', 100, 4, 60_000);
      throw rollback;
    })
    .catch((err: unknown) => {
      if (err !== rollback) throw err;
    });
  const claimed = await claimDue(db.sql, 'owner-1', 100, 4, 60_000);
  expect(claimed.length).toBeGreaterThan(0);
  expect(claimed).toEqual(viaPrisma);

  // results: the same random outcomes for each tenant's rows, through each implementation; one item per call is
  // someone else's (not written by either)
  const rowsOf = (t: string) => claimed.filter((c) => c.tenantId === t);
  const ca = rowsOf(a.tenantId);
  const cb = rowsOf(b.tenantId);
  expect(cb.length).toBe(ca.length);
  for (let start = 0; start < ca.length; ) {
    const n = 1 + r.int(4);
    const at = new Date(at0 + 3_600_000 * r.int(3) + r.int(1000));
    const outcomes = Array.from({ length: Math.min(n, ca.length - start) }, () => randomOutcome(r));
    const owner = r.int(8) === 0 ? 'owner-2' : 'owner-1';
    const old = await finishPrisma(db.prisma, owner, ca.slice(start, start + n).map((row, k) => ({ tenantId: row.tenantId, id: row.id, outcome: outcomes[k] })), at);
    const now = await finishRequests(db.sql, owner, cb.slice(start, start + n).map((row, k) => ({ tenantId: row.tenantId, id: row.id, outcome: outcomes[k] })), at, DONE_CHANNEL);
    expect(now.written).toEqual(old);
    // the rows it hands to this process's waiters are exactly what reading them afterwards returns
    expect(now.rows).toHaveLength(old.filter(Boolean).length);
    const reread = await getRequests(db.sql, b.tenantId, now.rows.map((x) => x.id));
    expect(byId(now.rows)).toEqual(byId(reread));
    start += n;
  }
  const sa = await snapshot(db, a.tenantId);
  const statuses = sa.requests.map((x) => (x as Row).status);
  expect(statuses).toContain('SUCCEEDED');
  expect(statuses).toContain('FAILED');
  expect(await snapshot(db, b.tenantId)).toEqual(sa);

  // reading back: exactly Prisma's rows, only the tenant's, unknown and malformed ids naming nothing
  const all = (await db.sql.query<{ id: string }>(`SELECT "id" FROM "segmentation_requests" WHERE "tenantId" = $1::uuid`, [b.tenantId])).map((x) => x.id);
  expect(byId(await getRequests(db.sql, b.tenantId, all)).map(jsonRoughly)).toEqual(byId(await getManyPrisma(db.prisma, b.tenantId, all)).map(jsonRoughly));
  expect(await getRequests(db.sql, a.tenantId, all)).toEqual([]);
  // one id at a time (its own statement)
  for (const id of all.slice(0, 5)) {
    expect((await getRequests(db.sql, b.tenantId, [id])).map(jsonRoughly)).toEqual((await getManyPrisma(db.prisma, b.tenantId, [id])).map(jsonRoughly));
    expect(await getRequests(db.sql, a.tenantId, [id])).toEqual([]);
  }
  expect(await getRequests(db.sql, b.tenantId, ['00000000-0000-4000-8000-000000000000'])).toEqual([]);
  expect(await getRequests(db.sql, b.tenantId, ['not-a-uuid', '00000000-0000-4000-8000-000000000000'])).toEqual([]);
}

/**
 * The statement a batch inserted leased (insertBatch's `lease`) saves: leasing the rows just queued, as the
 * dispatcher did right after the insert (kept here as the reference).
 */
async function claimQueuedReference(db: Database, owner: string, tenantId: string, ids: readonly string[], leaseMs: number): Promise<ClaimedRequest[]> {
  const rows = await db.sql.query<ClaimedRequest>(
    `UPDATE "segmentation_requests" AS r
     SET "status" = 'RUNNING', "leaseOwner" = $1,
         "leaseExpiresAt" = now() + make_interval(secs => $2::float8),
         "attempts" = r."attempts" + 1, "startedAt" = COALESCE(r."startedAt", now())
     WHERE r."id" = ANY($3::uuid[]) AND r."tenantId" = $4::uuid AND r."status" = 'QUEUED'
     RETURNING r."id", r."tenantId", r."imageId", r."expression", r."options", r."attempts", r."maxAttempts", r."batchId", r."batchIndex", r."createdAt",
       (SELECT i."sha256" FROM "images" AS i WHERE i."id" = r."imageId" AND i."tenantId" = r."tenantId") AS "imageSha256"`,
    [owner, leaseMs / 1000, ids, tenantId],
  );
  return rows.sort((x, y) => x.batchIndex - y.batchIndex);
}

/** A snapshot with the two instants now() gives (start, lease end) as the lease's length. */
async function leaseSnapshot(db: Database, tenantId: string) {
  const s = await snapshot(db, tenantId);
  return {
    ...s,
    requests: s.requests.map((x) => {
      const { startedAt, leaseExpiresAt, ...rest } = x as Row;
      return {
        ...rest,
        started: startedAt !== null,
        leaseMs: leaseExpiresAt === null ? null : (leaseExpiresAt as Date).getTime() - (startedAt as Date).getTime(),
      };
    }),
  };
}

/**
 * Tenant a queues each batch and then leases it (the two statements of before); tenant b queues the same batches
 * leased in the insert. Same rows stored, same rows answered (as queued), same rows handed to the dispatcher, and
 * every row announced QUEUED (attempts 0) and then RUNNING (attempts 1).
 */
async function compareLeasedInsert(db: Database, seed: number) {
  const r = rng(seed);
  const bytes = new Uint8Array(randomBytes(32));
  const a = await tenantWithImage(db.prisma, `queued-then-leased-${seed}`, bytes);
  const b = await tenantWithImage(db.prisma, `leased-${seed}`, bytes);
  const other = await tenantWithImage(db.prisma, `someone-else-${seed}`, new Uint8Array(randomBytes(32)));
  const repo = new SegmentationRepository(db.prisma, db.sql);
  const events: StatusEvent[] = [];
  const unlisten = await db.listen(STATUS_CHANNEL, (payload) => {
    const e = parseStatusEvent(payload);
    if (e) events.push(e);
  });
  const at0 = Date.UTC(2026, 11, 6, 10, 59, 0);
  const lease = { owner: 'owner-1', leaseMs: 45_000 };
  let rows = 0;
  try {
    for (let i = 0; i < 12; i++) {
      const at = new Date(at0 + i * 7_001 + r.int(1000));
      const key = r.int(4) === 0 ? `key-${r.int(3)}` : null;
      const foreign = r.int(8) === 0;
      const input = {
        expressions: Array.from({ length: 1 + r.int(4) }, () => r.text()),
        options: r.json() as object,
        idempotencyKey: key,
        maxAttempts: 1 + r.int(5),
        monthlyExpressionQuota: r.pick([null, 10_000, 5 + r.int(20)]),
        notifyDispatchers: false,
      };
      const old = await repo.createBatch(a.tenantId, { ...input, imageId: foreign ? other.imageId : a.imageId }, at);
      const claimed = old.kind === 'created' ? await claimQueuedReference(db, lease.owner, a.tenantId, old.requests.map((x) => x.id), lease.leaseMs) : [];
      const now = await repo.createBatch(b.tenantId, { ...input, imageId: foreign ? other.imageId : b.imageId, lease }, at);
      expect(now.kind, `batch ${i}`).toBe(old.kind);
      if ((old.kind === 'created' || old.kind === 'replayed') && (now.kind === 'created' || now.kind === 'replayed')) {
        // answered as queued, as before (a replay reads the rows as they are now: leased at now(), on both paths)
        const instants = (rows: readonly Row[]) => stripIds(rows).map(({ startedAt, leaseExpiresAt, ...rest }) => ({ ...rest, started: startedAt !== null, leased: leaseExpiresAt !== null }));
        expect(instants(now.requests as unknown as Row[])).toEqual(instants(old.requests as unknown as Row[]));
        if (now.kind === 'created') expect(now.requests.map((x) => [x.status, x.attempts, x.leaseOwner, x.startedAt])).toEqual(now.requests.map(() => ['QUEUED', 0, null, null]));
      }
      if (old.kind === 'created' && now.kind === 'created') {
        rows += now.requests.length;
        expect(now.leased.map((x) => x.id)).toEqual(now.requests.map((x) => x.id));
        expect(stripIds(now.leased as unknown as Row[])).toEqual(stripIds(claimed as unknown as Row[]));
        expect(now.leased.map((x) => x.imageSha256)).toEqual(claimed.map((x) => x.imageSha256));
      }
    }
    expect(rows).toBeGreaterThan(0);
    expect(await leaseSnapshot(db, b.tenantId)).toEqual(await leaseSnapshot(db, a.tenantId));
    // announcements: per row, QUEUED then RUNNING, on both paths
    const perRow = (tenantId: string) => {
      const byRow = new Map<string, string[]>();
      for (const e of events.filter((x) => x.tenantId === tenantId)) byRow.set(e.id, [...(byRow.get(e.id) ?? []), `${e.status}:${e.attempts}`]);
      return [...byRow.values()];
    };
    await expect.poll(() => perRow(b.tenantId).flat().length).toBe(2 * rows);
    await expect.poll(() => perRow(a.tenantId).flat().length).toBe(2 * rows);
    expect(perRow(b.tenantId)).toEqual(Array.from({ length: rows }, () => ['QUEUED:0', 'RUNNING:1']));
    expect(perRow(a.tenantId)).toEqual(perRow(b.tenantId));
  } finally {
    await unlisten();
  }
}

/**
 * Group commit (src/dispatch/result-recorder.ts): tenants a and a2 record each worker call's results on their own
 * through the Prisma reference; tenants b and b2 get the same calls with the same outcomes all at once through the
 * ResultRecorder, which writes the first alone and the others together (several calls and both tenants in one
 * statement). Some rows are cancelled, and some re-leased to another replica, before the results come (not written
 * on either side). Same answers per call, same rows, usage events, rollups, and the same announcements per row.
 */
async function compareGroupedFinish(db: Database, seed: number) {
  const r = rng(seed);
  const bytes = new Uint8Array(randomBytes(32));
  const sides = {
    a: [await tenantWithImage(db.prisma, `one-by-one-${seed}`, bytes), await tenantWithImage(db.prisma, `one-by-one-2-${seed}`, bytes)],
    b: [await tenantWithImage(db.prisma, `grouped-${seed}`, bytes), await tenantWithImage(db.prisma, `grouped-2-${seed}`, bytes)],
  };
  const repo = new SegmentationRepository(db.prisma, db.sql);
  const at0 = Date.UTC(2026, 11, 6, 11, 59, 0);
  for (let i = 0; i < 10; i++) {
    const at = new Date(at0 + i * 1_001);
    const t = r.int(2);
    const input = { expressions: Array.from({ length: 1 + r.int(4) }, () => r.text()), options: r.json() as object, idempotencyKey: null, maxAttempts: 3, monthlyExpressionQuota: null };
    for (const side of [sides.a, sides.b]) expect((await repo.createBatch(side[t].tenantId, { ...input, imageId: side[t].imageId }, at)).kind).toBe('created');
  }
  const claimed = await claimDue(db.sql, 'owner-1', 100, 4, 60_000);
  const rowsOf = (tenantId: string) => claimed.filter((c) => c.tenantId === tenantId);
  const pairs = [0, 1].map((t) => ({ a: rowsOf(sides.a[t].tenantId), b: rowsOf(sides.b[t].tenantId) }));
  for (const p of pairs) expect(p.b.length).toBe(p.a.length);
  // cancelled, or re-leased to another replica, before the result comes: the same rows on both sides
  const moved = (rows: ClaimedRequest[], k: number) => rows.filter((_, i) => i % 7 === k).map((x) => x.id);
  for (const p of pairs) {
    for (const rows of [p.a, p.b]) {
      await repo.cancel(rows[0].tenantId, moved(rows, 3)[0] ?? rows[0].id, new Date(at0 + 60_000));
      await db.sql.query(`UPDATE "segmentation_requests" SET "leaseOwner" = 'owner-2' WHERE "id" = ANY($1::uuid[])`, [moved(rows, 5)]);
    }
  }
  const events: StatusEvent[] = [];
  const done: string[] = [];
  const unlisten = [
    await db.listen(STATUS_CHANNEL, (payload) => {
      const e = parseStatusEvent(payload);
      if (e) events.push(e);
    }),
    await db.listen(DONE_CHANNEL, (id) => done.push(id)),
  ];
  try {
    // worker calls: 1–4 rows of one tenant each, random outcomes
    const calls: { t: number; start: number; outcomes: (SuccessOutcome | FailureOutcome)[] }[] = [];
    for (const t of [0, 1]) {
      for (let start = 0; start < pairs[t].a.length; ) {
        const n = Math.min(1 + r.int(4), pairs[t].a.length - start);
        calls.push({ t, start, outcomes: Array.from({ length: n }, () => randomOutcome(r)) });
        start += n;
      }
    }
    calls.sort(() => r.next() - 0.5);
    const at = new Date(at0 + 120_000 + r.int(1000));
    const items = (rows: ClaimedRequest[], c: (typeof calls)[number]) => c.outcomes.map((outcome, k) => ({ tenantId: rows[c.start + k].tenantId, id: rows[c.start + k].id, outcome }));
    const oneByOne: boolean[][] = [];
    for (const c of calls) oneByOne.push(await finishPrisma(db.prisma, 'owner-1', items(pairs[c.t].a, c), at));
    const recorder = new ResultRecorder((xs, when) => finishRequests(db.sql, 'owner-1', xs, when, DONE_CHANNEL), 64, () => at);
    const grouped = await Promise.all(calls.map((c) => recorder.record(items(pairs[c.t].b, c))));
    expect(recorder.statements).toBeLessThan(calls.length);
    expect(recorder.statements).toBeGreaterThanOrEqual(2);
    expect(grouped.map((g) => g.written)).toEqual(oneByOne);
    expect(grouped.every((g) => g.failed.length === 0)).toBe(true);
    for (const [i, g] of grouped.entries()) {
      // each call gets its own rows, as committed
      expect(g.rows.map((x) => x.id)).toEqual(items(pairs[calls[i].t].b, calls[i]).filter((_, k) => g.written[k]).map((x) => x.id));
      if (g.rows.length > 0) expect(byId(g.rows)).toEqual(byId(await getRequests(db.sql, g.rows[0].tenantId, g.rows.map((x) => x.id))));
    }
    for (const t of [0, 1]) expect(await snapshot(db, sides.b[t].tenantId)).toEqual(await snapshot(db, sides.a[t].tenantId));
    // announcements: per row (in position order), the same on both sides; a done notification per written row
    const written = oneByOne.flat().filter(Boolean).length;
    const perRow = (rows: ClaimedRequest[]) => rows.map((x) => events.filter((e) => e.id === x.id).map((e) => `${e.status}:${e.attempts}`));
    await expect.poll(() => done.length).toBe(2 * written);
    await expect.poll(() => events.length).toBe(2 * written);
    for (const p of pairs) {
      expect(perRow(p.b)).toEqual(perRow(p.a));
      expect(p.b.map((x) => done.includes(x.id))).toEqual(p.a.map((x) => done.includes(x.id)));
    }
  } finally {
    for (const u of unlisten) await u();
  }
}

describe('the plain-SQL hot path, against the Prisma code it replaced', () => {
  it('queues, claims, records and reads exactly as Prisma did (PostgreSQL, random inputs)', async () => {
    const db = await openPostgres(database.url, { poolMax: 3 });
    try {
      for (const seed of [1, 2, 3]) await compareImplementations(db, seed);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('does the same on embedded PGlite', async () => {
    const db = await openPglite('memory://');
    try {
      await db.migrate();
      await compareImplementations(db, 4);
      await compareLeasedInsert(db, 5);
      await compareGroupedFinish(db, 8);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('queues a batch leased in the insert exactly as queueing then leasing it did (PostgreSQL, random inputs)', async () => {
    const db = await openPostgres(database.url, { poolMax: 3 });
    try {
      for (const seed of [6, 7]) await compareLeasedInsert(db, seed);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('records results grouped (several calls in one statement) exactly as one call at a time (PostgreSQL, random inputs)', async () => {
    const db = await openPostgres(database.url, { poolMax: 3 });
    try {
      for (const seed of [9, 10]) await compareGroupedFinish(db, seed);
    } finally {
      await db.close();
    }
  }, 120_000);
});
