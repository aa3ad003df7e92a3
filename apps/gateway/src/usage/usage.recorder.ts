import type { Prisma } from '../__generated__/prisma/client';
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
 * Records usage inside the caller's transaction: one event per non-zero kind and an upsert into the tenant's hourly
 * rollup, so the events, the rollup and whatever caused them commit or roll back together.
 */
export async function recordUsage(
  tx: Prisma.TransactionClient,
  tenantId: string,
  delta: UsageDelta,
  at: Date,
  requestId?: string,
): Promise<void> {
  await recordUsageBatch(tx, [{ tenantId, delta, requestId }], at);
}

/**
 * Many usage entries in two statements per tenant at most: all events in one insert, then one rollup upsert per
 * tenant. Callers put this last in their transaction: the rollup row is the contended one (every result of a
 * tenant in the same hour updates it), so its lock is held only until the commit right after.
 */
export async function recordUsageBatch(
  tx: Prisma.TransactionClient,
  entries: readonly { tenantId: string; delta: UsageDelta; requestId?: string }[],
  at: Date,
): Promise<void> {
  const events = entries.flatMap(({ tenantId, delta, requestId }) =>
    KINDS.filter(([k]) => (delta[k] ?? 0) > 0).map(([k, kind]) => ({
      tenantId,
      kind,
      quantity: Math.round(delta[k] ?? 0),
      requestId: requestId ?? null,
      at,
    })),
  );
  if (events.length === 0) return;
  await tx.usageEvent.createMany({ data: events });
  const perTenant = new Map<string, Required<UsageDelta>>();
  for (const { tenantId, delta } of entries) {
    const t = perTenant.get(tenantId) ?? { requests: 0, expressions: 0, images: 0, gpuMs: 0, failures: 0 };
    for (const [k] of KINDS) t[k] += delta[k] ?? 0;
    perTenant.set(tenantId, t);
  }
  for (const [tenantId, d] of perTenant) {
    await tx.$executeRaw`
      INSERT INTO "usage_rollups" ("tenantId", "bucket", "requests", "expressions", "images", "gpuMs", "failures")
      VALUES (${tenantId}::uuid, ${hourBucket(at)}, ${d.requests}, ${d.expressions}, ${d.images}, ${Math.round(d.gpuMs)}, ${d.failures})
      ON CONFLICT ("tenantId", "bucket") DO UPDATE SET
        "requests" = "usage_rollups"."requests" + EXCLUDED."requests",
        "expressions" = "usage_rollups"."expressions" + EXCLUDED."expressions",
        "images" = "usage_rollups"."images" + EXCLUDED."images",
        "gpuMs" = "usage_rollups"."gpuMs" + EXCLUDED."gpuMs",
        "failures" = "usage_rollups"."failures" + EXCLUDED."failures"`;
  }
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
