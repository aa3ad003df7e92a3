import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient, SegmentationRequest } from '../__generated__/prisma/client';
import type { SegmentationStatus } from '../__generated__/prisma/enums';
import type { SqlRunner } from '../db/sql-runner';
import type { ClaimedRequest } from '../dispatch/queue.repository';
import { getRequests, insertBatch, isForeignKeyViolation, type InsertBatch } from './segmentation.sql';

export interface SegmentationFilter {
  status?: SegmentationStatus[];
  imageId?: string;
}

export type { PageCursor } from '../common/cursor';
import type { PageCursor } from '../common/cursor';

export type CreateBatchResult =
  /** leased: the rows as claimed, when the batch was inserted leased (input.lease); else [] */
  | { kind: 'created'; requests: SegmentationRequest[]; leased: ClaimedRequest[] }
  | { kind: 'replayed'; requests: SegmentationRequest[] }
  | { kind: 'overQuota'; used: number }
  | { kind: 'noImage' };

/** Channel dispatchers LISTEN on to wake up when work is queued. */
export const QUEUE_CHANNEL = 'refdiff_queue';
/** Channel waiters LISTEN on: the payload is the id of a request that reached a final state. */
export const DONE_CHANNEL = 'refdiff_done';

export class SegmentationRepository {
  constructor(
    private readonly prisma: PrismaClient,
    /** the hot path (queueing, reading back) in plain SQL over the same pool (segmentation.sql.ts) */
    private readonly sql: SqlRunner,
  ) {}

  async get(tenantId: string, id: string): Promise<SegmentationRequest | null> {
    const [row] = await getRequests(this.sql, tenantId, [id]);
    return row ?? null;
  }

  getMany(tenantId: string, ids: readonly string[]): Promise<SegmentationRequest[]> {
    return getRequests(this.sql, tenantId, ids);
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
   * Queues one request per expression with its usage, under the tenant's row lock: the image must be this tenant's
   * (else `noImage`, nothing written), the monthly expression quota is checked against the rollups and an
   * idempotency key already used returns the first call's requests. Wakes the dispatchers (NOTIFY, delivered on
   * commit) unless `notifyDispatchers` is false (this process's dispatcher takes the rows, leased to it in the same
   * statement when `lease` is given: insertBatch). Without a quota or a key
   * that is one statement (segmentation.sql.ts); with them, a transaction: the lock first, so the quota and key
   * checks see every batch committed before it.
   */
  async createBatch(
    tenantId: string,
    input: {
      imageId: string;
      expressions: readonly string[];
      options: Prisma.InputJsonValue;
      idempotencyKey: string | null;
      maxAttempts: number;
      monthlyExpressionQuota: number | null;
      notifyDispatchers?: boolean;
      lease?: { owner: string; leaseMs: number } | null;
    },
    at: Date,
  ): Promise<CreateBatchResult> {
    const batch: InsertBatch = {
      tenantId,
      imageId: input.imageId,
      ids: input.expressions.map(() => randomUUID()),
      expressions: input.expressions,
      options: input.options,
      idempotencyKey: input.idempotencyKey,
      maxAttempts: input.maxAttempts,
      batchId: randomUUID(),
      at,
      notifyChannel: input.notifyDispatchers === false ? null : QUEUE_CHANNEL,
      lease: input.lease ?? null,
    };
    const created = ({ requests, leased }: Awaited<ReturnType<typeof insertBatch>>): CreateBatchResult =>
      requests.length > 0 ? { kind: 'created', requests, leased } : { kind: 'noImage' };
    try {
      if (!input.idempotencyKey && input.monthlyExpressionQuota === null) {
        return created(await insertBatch(this.sql, batch));
      }
      return await this.sql.transaction(async (tx): Promise<CreateBatchResult> => {
        // The tenant's row lock and the check that the image is this tenant's, in one statement.
        const [locked] = await tx.query<{ image: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM "images" WHERE "id" = $1::uuid AND "tenantId" = $2::uuid) AS "image"
           FROM "tenants" WHERE "id" = $2::uuid FOR UPDATE`,
          [input.imageId, tenantId],
        );
        if (!locked?.image) return { kind: 'noImage' };
        if (input.idempotencyKey) {
          const existing = await tx.query(
            `SELECT "id" FROM "segmentation_requests" WHERE "tenantId" = $1::uuid AND "idempotencyKey" = $2 ORDER BY "batchIndex"`,
            [tenantId, input.idempotencyKey],
          );
          if (existing.length > 0) {
            const rows = await getRequests(tx, tenantId, existing.map((r) => r.id as string));
            return { kind: 'replayed', requests: rows.sort((a, b) => a.batchIndex - b.batchIndex) };
          }
        }
        if (input.monthlyExpressionQuota !== null) {
          const monthStart = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
          const [used] = await tx.query<{ n: number | string | null }>(
            `SELECT sum("expressions") AS "n" FROM "usage_rollups" WHERE "tenantId" = $1::uuid AND "bucket" >= $2::timestamptz`,
            [tenantId, monthStart],
          );
          const n = Number(used?.n ?? 0);
          if (n + input.expressions.length > input.monthlyExpressionQuota) return { kind: 'overQuota', used: n };
        }
        return created(await insertBatch(tx, batch));
      });
    } catch (err) {
      // the image was deleted while the statement ran (after its snapshot): as if it had never been there
      if (isForeignKeyViolation(err)) return { kind: 'noImage' };
      throw err;
    }
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
