import { Prisma } from '../__generated__/prisma/client';
import type { UsageKind } from '../__generated__/prisma/enums';

export interface UsageDelta {
  requests?: number;
  expressions?: number;
  images?: number;
  gpuMs?: number;
  failures?: number;
}

const KINDS: [keyof UsageDelta, UsageKind][] = [
  ['requests', 'REQUEST'],
  ['expressions', 'EXPRESSION'],
  ['images', 'IMAGE'],
  ['gpuMs', 'GPU_MS'],
  ['failures', 'FAILURE'],
];

export function hourBucket(at: Date): Date {
  const d = new Date(at);
  d.setUTCMinutes(0, 0, 0);
  return d;
}

/**
 * Records usage inside the caller's transaction (and sends `notify` with it, saving a statement): one event per non-zero kind and an upsert into the tenant's hourly
 * rollup, so the events, the rollup and whatever caused them commit or roll back together.
 */
export async function recordUsage(
  tx: Prisma.TransactionClient,
  tenantId: string,
  delta: UsageDelta,
  at: Date,
  requestId?: string,
  notify?: UsageNotify,
): Promise<void> {
  await recordUsageBatch(tx, [{ tenantId, delta, requestId }], at, notify);
}

/** A NOTIFY sent by the usage statement itself, once per tenant whose rollup it wrote (delivered on commit). */
export interface UsageNotify {
  channel: string;
  payload: string;
}

/**
 * Many usage entries in one statement: all events inserted and every tenant's hourly rollup upserted together (a
 * data-modifying CTE), one round trip instead of one per table and tenant. Callers put this last in their
 * transaction: the rollup row is the contended one (every result of a tenant in the same hour updates it), so its
 * lock is held only until the commit right after. Rollup rows are upserted in tenant-id order, so two transactions
 * covering the same tenants lock them in the same order. A tenant's row is share-locked (as the events' foreign key
 * does) before its rollup row is touched — as when the events were a statement of their own — so this waits for a
 * transaction holding the tenant lock (lockTenant) instead of taking the rollup row first and deadlocking with it.
 */
export async function recordUsageBatch(
  tx: Prisma.TransactionClient,
  entries: readonly { tenantId: string; delta: UsageDelta; requestId?: string }[],
  at: Date,
  notify?: UsageNotify,
): Promise<void> {
  const events = entries.flatMap(({ tenantId, delta, requestId }) =>
    KINDS.filter(([k]) => (delta[k] ?? 0) > 0).map(([k, kind]) => ({ tenantId, kind, quantity: Math.round(delta[k] ?? 0), requestId: requestId ?? null })),
  );
  if (events.length === 0) return;
  const perTenant = new Map<string, Required<UsageDelta>>();
  for (const { tenantId, delta } of entries) {
    const t = perTenant.get(tenantId) ?? { requests: 0, expressions: 0, images: 0, gpuMs: 0, failures: 0 };
    for (const [k] of KINDS) t[k] += delta[k] ?? 0;
    perTenant.set(tenantId, t);
  }
  const tenants = [...perTenant.keys()].sort();
  const rollups = tenants.map((t) => perTenant.get(t) as Required<UsageDelta>);
  await tx.$executeRaw`
    WITH "locked" AS MATERIALIZED (
      SELECT "id" FROM "tenants" WHERE "id" = ANY(${tenants}::uuid[]) ORDER BY "id" FOR KEY SHARE
    ), "events" AS (
      INSERT INTO "usage_events" ("tenantId", "kind", "quantity", "requestId", "at")
      SELECT e."tenantId", e."kind"::"UsageKind", e."quantity", e."requestId", ${at}::timestamptz
      FROM unnest(${events.map((e) => e.tenantId)}::uuid[], ${events.map((e) => e.kind)}::text[],
                  ${events.map((e) => e.quantity)}::int[], ${events.map((e) => e.requestId)}::uuid[])
           AS e("tenantId", "kind", "quantity", "requestId")
    )
    INSERT INTO "usage_rollups" ("tenantId", "bucket", "requests", "expressions", "images", "gpuMs", "failures")
    SELECT r."tenantId", ${hourBucket(at)}::timestamptz, r."requests", r."expressions", r."images", r."gpuMs", r."failures"
    FROM unnest(${tenants}::uuid[], ${rollups.map((d) => d.requests)}::int[], ${rollups.map((d) => d.expressions)}::int[],
                ${rollups.map((d) => d.images)}::int[], ${rollups.map((d) => Math.round(d.gpuMs))}::bigint[],
                ${rollups.map((d) => d.failures)}::int[])
         WITH ORDINALITY AS r("tenantId", "requests", "expressions", "images", "gpuMs", "failures", "n")
    JOIN "locked" AS l ON l."id" = r."tenantId"
    ORDER BY r."n"
    ON CONFLICT ("tenantId", "bucket") DO UPDATE SET
      "requests" = "usage_rollups"."requests" + EXCLUDED."requests",
      "expressions" = "usage_rollups"."expressions" + EXCLUDED."expressions",
      "images" = "usage_rollups"."images" + EXCLUDED."images",
      "gpuMs" = "usage_rollups"."gpuMs" + EXCLUDED."gpuMs",
      "failures" = "usage_rollups"."failures" + EXCLUDED."failures"
    ${notify ? Prisma.sql`RETURNING pg_notify(${notify.channel}, ${notify.payload})` : Prisma.empty}`;
}

/**
 * Interactive-transaction limits: waiting for a pooled connection and the whole transaction. Prisma's defaults
 * (2 s / 5 s) fail healthy transactions on a busy host; these bound a stuck one without failing slow ones.
 */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;

/** Locks the tenant's row for the rest of the transaction: quota checks and the writes they guard serialise per tenant. */
export async function lockTenant(tx: Prisma.TransactionClient, tenantId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM "tenants" WHERE "id" = ${tenantId}::uuid FOR UPDATE`;
}
