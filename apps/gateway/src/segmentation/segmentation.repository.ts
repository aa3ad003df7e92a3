import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient, SegmentationRequest } from '../__generated__/prisma/client';
import type { SegmentationStatus } from '../__generated__/prisma/enums';
import { recordUsage, TX_OPTIONS } from '../usage/usage.recorder';

export interface SegmentationFilter {
  status?: SegmentationStatus[];
  imageId?: string;
}

export type { PageCursor } from '../common/cursor';
import type { PageCursor } from '../common/cursor';

export type CreateBatchResult =
  | { kind: 'created'; requests: SegmentationRequest[] }
  | { kind: 'replayed'; requests: SegmentationRequest[] }
  | { kind: 'overQuota'; used: number }
  | { kind: 'noImage' };

/** Channel dispatchers LISTEN on to wake up when work is queued. */
export const QUEUE_CHANNEL = 'refdiff_queue';
/** Channel waiters LISTEN on: the payload is the id of a request that reached a final state. */
export const DONE_CHANNEL = 'refdiff_done';

export class SegmentationRepository {
  constructor(private readonly prisma: PrismaClient) {}

  get(tenantId: string, id: string): Promise<SegmentationRequest | null> {
    return this.prisma.segmentationRequest.findFirst({ where: { id, tenantId } });
  }

  getMany(tenantId: string, ids: readonly string[]): Promise<SegmentationRequest[]> {
    return this.prisma.segmentationRequest.findMany({ where: { id: { in: [...ids] }, tenantId } });
  }

  /** Newest first; returns up to `take` rows after the cursor. */
  list(tenantId: string, filter: SegmentationFilter, take: number, after?: PageCursor): Promise<SegmentationRequest[]> {
    const where: Prisma.SegmentationRequestWhereInput = { tenantId, ...this.filterWhere(filter) };
    if (after) {
      where.OR = [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }];
    }
    return this.prisma.segmentationRequest.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take });
  }

  count(tenantId: string, filter: SegmentationFilter): Promise<number> {
    return this.prisma.segmentationRequest.count({ where: { tenantId, ...this.filterWhere(filter) } });
  }

  private filterWhere(filter: SegmentationFilter): Prisma.SegmentationRequestWhereInput {
    return {
      ...(filter.status?.length ? { status: { in: filter.status } } : {}),
      ...(filter.imageId ? { imageId: filter.imageId } : {}),
    };
  }

  findByIdempotencyKey(tenantId: string, idempotencyKey: string): Promise<SegmentationRequest[]> {
    return this.prisma.segmentationRequest.findMany({ where: { tenantId, idempotencyKey }, orderBy: { batchIndex: 'asc' } });
  }

  /**
   * Queues one request per expression in one transaction with its usage, under the tenant's row lock: the image must
   * be this tenant's (else `noImage`, nothing written), the monthly
   * expression quota is checked against the rollups and an idempotency key already used returns the first call's
   * requests. Wakes the dispatchers (NOTIFY, delivered on commit).
   */
  createBatch(
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
    return this.prisma.$transaction(async (tx) => {
      // The tenant's row lock and the check that the image is this tenant's, in one statement.
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
      // the dispatchers' wake-up goes with the usage statement (delivered on commit, as a statement of its own would be)
      await recordUsage(tx, tenantId, { requests: 1, expressions: input.expressions.length }, at, undefined, { channel: QUEUE_CHANNEL, payload: tenantId });
      return { kind: 'created', requests };
    }, TX_OPTIONS);
  }

  /** Cancels a request that has not finished; returns the row as it is afterwards (null if not this tenant's). */
  async cancel(tenantId: string, id: string, at: Date): Promise<SegmentationRequest | null> {
    const { count } = await this.prisma.segmentationRequest.updateMany({
      where: { id, tenantId, status: { in: ['QUEUED', 'RUNNING'] } },
      data: { status: 'CANCELLED', finishedAt: at, leaseOwner: null, leaseExpiresAt: null },
    });
    if (count > 0) await this.prisma.$executeRaw`SELECT pg_notify(${DONE_CHANNEL}, ${id})`;
    return this.get(tenantId, id);
  }
}
