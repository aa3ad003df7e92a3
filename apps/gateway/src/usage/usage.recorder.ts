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
  const events = KINDS.filter(([k]) => (delta[k] ?? 0) > 0).map(([k, kind]) => ({
    tenantId,
    kind,
    quantity: Math.round(delta[k] ?? 0),
    requestId: requestId ?? null,
    at,
  }));
  if (events.length === 0) return;
  await tx.usageEvent.createMany({ data: events });
  await tx.$executeRaw`
    INSERT INTO "usage_rollups" ("tenantId", "bucket", "requests", "expressions", "images", "gpuMs", "failures")
    VALUES (${tenantId}::uuid, ${hourBucket(at)}, ${delta.requests ?? 0}, ${delta.expressions ?? 0}, ${delta.images ?? 0},
            ${Math.round(delta.gpuMs ?? 0)}, ${delta.failures ?? 0})
    ON CONFLICT ("tenantId", "bucket") DO UPDATE SET
      "requests" = "usage_rollups"."requests" + EXCLUDED."requests",
      "expressions" = "usage_rollups"."expressions" + EXCLUDED."expressions",
      "images" = "usage_rollups"."images" + EXCLUDED."images",
      "gpuMs" = "usage_rollups"."gpuMs" + EXCLUDED."gpuMs",
      "failures" = "usage_rollups"."failures" + EXCLUDED."failures"`;
}

/** Locks the tenant's row for the rest of the transaction: quota checks and the writes they guard serialise per tenant. */
export async function lockTenant(tx: Prisma.TransactionClient, tenantId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM "tenants" WHERE "id" = ${tenantId}::uuid FOR UPDATE`;
}
