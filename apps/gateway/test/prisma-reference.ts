/**
 * The Prisma implementations the plain-SQL hot path (src/segmentation/segmentation.sql.ts) replaced, kept verbatim
 * as the reference test/hot-path-sql.int.spec.ts compares it against.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient, SegmentationRequest } from '../src/__generated__/prisma/client';
import type { ClaimedRequest, FailureOutcome, SuccessOutcome } from '../src/dispatch/queue.repository';
import { DONE_CHANNEL, QUEUE_CHANNEL, type CreateBatchResult } from '../src/segmentation/segmentation.repository';
import { recordUsage, recordUsageBatch, TX_OPTIONS, type UsageDelta } from '../src/usage/usage.recorder';

export function getManyPrisma(prisma: PrismaClient, tenantId: string, ids: readonly string[]): Promise<SegmentationRequest[]> {
  return prisma.segmentationRequest.findMany({ where: { id: { in: [...ids] }, tenantId } });
}

export function createBatchPrisma(
  prisma: PrismaClient,
  tenantId: string,
  input: {
    imageId: string;
    expressions: readonly string[];
    options: Prisma.InputJsonValue;
    idempotencyKey: string | null;
    maxAttempts: number;
    monthlyExpressionQuota: number | null;
  },
  at: Date,
): Promise<CreateBatchResult> {
  return prisma.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ image: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM "images" WHERE "id" = ${input.imageId}::uuid AND "tenantId" = ${tenantId}::uuid) AS "image"
      FROM "tenants" WHERE "id" = ${tenantId}::uuid FOR UPDATE`;
    if (!locked?.image) return { kind: 'noImage' };
    if (input.idempotencyKey) {
      const existing = await tx.segmentationRequest.findMany({
        where: { tenantId, idempotencyKey: input.idempotencyKey },
        orderBy: { batchIndex: 'asc' },
      });
      if (existing.length > 0) return { kind: 'replayed', requests: existing };
    }
    if (input.monthlyExpressionQuota !== null) {
      const monthStart = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
      const used = await tx.usageRollup.aggregate({
        where: { tenantId, bucket: { gte: monthStart } },
        _sum: { expressions: true },
      });
      const n = used._sum.expressions ?? 0;
      if (n + input.expressions.length > input.monthlyExpressionQuota) return { kind: 'overQuota', used: n };
    }
    const batchId = randomUUID();
    const requests = await tx.segmentationRequest.createManyAndReturn({
      data: input.expressions.map((expression, batchIndex) => ({
        tenantId,
        imageId: input.imageId,
        expression,
        options: input.options,
        idempotencyKey: input.idempotencyKey,
        maxAttempts: input.maxAttempts,
        batchId,
        batchIndex,
        createdAt: at,
        availableAt: at,
      })),
    });
    requests.sort((a, b) => a.batchIndex - b.batchIndex);
    await recordUsage(tx, tenantId, { requests: 1, expressions: input.expressions.length }, at, undefined, { channel: QUEUE_CHANNEL, payload: tenantId });
    return { kind: 'created', requests, leased: [] }; // (queued, never leased: the field came later)
  }, TX_OPTIONS);
}

export async function claimPrisma(prisma: PrismaClient, owner: string, groups: number, maxBatch: number, leaseMs: number): Promise<ClaimedRequest[]> {
  const rows = await prisma.$queryRaw<ClaimedRequest[]>`
    WITH candidates AS (
      SELECT "id", "tenantId", "imageId", "options", "availableAt", "createdAt", "batchIndex"
      FROM "segmentation_requests"
      WHERE ("status" = 'QUEUED' AND "availableAt" <= now())
         OR ("status" = 'RUNNING' AND "leaseExpiresAt" < now())
      ORDER BY "availableAt", "createdAt", "batchIndex"
      LIMIT ${groups * maxBatch}
      FOR UPDATE SKIP LOCKED
    ), positioned AS (
      SELECT "id", "tenantId", "imageId", "options",
             row_number() OVER (ORDER BY "availableAt", "createdAt", "batchIndex") AS pos
      FROM candidates
    ), keyed AS (
      SELECT "id",
             min(pos) OVER (PARTITION BY "tenantId", "imageId", "options") AS first,
             row_number() OVER (PARTITION BY "tenantId", "imageId", "options" ORDER BY pos) AS nth
      FROM positioned
    ), picked AS (
      SELECT "id" FROM (SELECT "id", nth, dense_rank() OVER (ORDER BY first) AS g FROM keyed) k
      WHERE g <= ${groups} AND nth <= ${maxBatch}
    )
    UPDATE "segmentation_requests" AS r
    SET "status" = 'RUNNING', "leaseOwner" = ${owner},
        "leaseExpiresAt" = now() + make_interval(secs => ${leaseMs / 1000}::float8),
        "attempts" = r."attempts" + 1, "startedAt" = COALESCE(r."startedAt", now())
    FROM picked WHERE r."id" = picked."id"
    RETURNING r."id", r."tenantId", r."imageId", r."expression", r."options", r."attempts", r."maxAttempts",
              r."batchId", r."batchIndex", r."createdAt",
              (SELECT i."sha256" FROM "images" AS i WHERE i."id" = r."imageId" AND i."tenantId" = r."tenantId") AS "imageSha256"`;
  return rows.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime() || a.batchIndex - b.batchIndex);
}

export function finishPrisma(
  prisma: PrismaClient,
  owner: string,
  items: readonly { tenantId: string; id: string; outcome: SuccessOutcome | FailureOutcome }[],
  at: Date,
): Promise<boolean[]> {
  return prisma.$transaction(async (tx) => {
    const written: boolean[] = [];
    for (const { tenantId, id, outcome } of items) {
      const data: Prisma.SegmentationRequestUpdateManyMutationInput =
        outcome.status === 'SUCCEEDED' ? { ...outcome, errorCode: null, errorMessage: null } : { ...outcome };
      const { count } = await tx.segmentationRequest.updateMany({
        where: { id, tenantId, leaseOwner: owner, status: 'RUNNING' },
        data: { ...data, finishedAt: at, leaseOwner: null, leaseExpiresAt: null },
      });
      written.push(count > 0);
    }
    const done = items.filter((_, i) => written[i]);
    if (done.length === 0) return written;
    const ids = done.map((x) => x.id);
    await tx.$executeRaw`SELECT pg_notify(${DONE_CHANNEL}, id) FROM unnest(${ids}::text[]) AS id`;
    await recordUsageBatch(
      tx,
      done.map(({ tenantId, id, outcome }) => ({
        tenantId,
        requestId: id,
        delta: { gpuMs: outcome.gpuMs, failures: outcome.status === 'FAILED' ? 1 : 0 } satisfies UsageDelta,
      })),
      at,
    );
    return written;
  }, TX_OPTIONS);
}
