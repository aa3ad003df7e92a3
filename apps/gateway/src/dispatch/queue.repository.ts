/**
 * The durable queue: segmentation_requests rows claimed with `FOR UPDATE SKIP LOCKED` under a lease, so any number
 * of gateway replicas can dispatch side by side without taking the same row, and a replica that dies leaves rows
 * whose lease expires and which the next claim takes again. Claiming is cross-tenant by nature (the dispatcher
 * serves every tenant); every write after the claim names the row's tenant and the lease owner, so a replica whose
 * lease was taken over cannot overwrite the new owner's work.
 */
import type { Prisma, PrismaClient } from '../__generated__/prisma/client';
import { DONE_CHANNEL } from '../segmentation/segmentation.repository';
import { recordUsageBatch, TX_OPTIONS, type UsageDelta } from '../usage/usage.recorder';
import type { ImageStore } from '../images/image-store';
import { resolveBytes } from '../images/image.repository';
import type { QueueSnapshot } from '../metrics/gateway-metrics';

export interface ClaimedRequest {
  id: string;
  tenantId: string;
  imageId: string;
  expression: string;
  options: Prisma.JsonValue;
  attempts: number;
  maxAttempts: number;
  batchId: string;
  batchIndex: number;
  /** When the request was queued (queue-wait metric). */
  createdAt: Date;
  /** The sha256 of the row's image, read by the claim (no bytes); null when the image no longer exists. */
  imageSha256: string | null;
}

export interface SuccessOutcome {
  status: 'SUCCEEDED';
  worker: string;
  maskRle: Prisma.InputJsonValue;
  maskBox: number[];
  maskArea: number;
  score: number;
  scores: Prisma.InputJsonValue;
  rootWord: string | null;
  /** 8-bit grayscale PNG of the attention map, when the request asked for it. */
  attentionPng: Uint8Array<ArrayBuffer> | null;
  timingsMs: Prisma.InputJsonValue;
  gpuMs: number;
}

export interface FailureOutcome {
  status: 'FAILED';
  worker: string | null;
  errorCode: string;
  errorMessage: string;
  gpuMs: number;
}

export class QueueRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: ImageStore | null = null,
  ) {}

  /**
   * Claims the rows of up to `groups` worker calls for `owner`: runnable rows (queued and due, or running with an
   * expired lease) in queue order, at most `maxBatch` of each (tenant, image, options) — the rows one call can take.
   * Only those rows are leased, so nothing has to be handed back (which would cost a round trip per row and hold
   * rows other replicas could run); the other rows scanned are left unlocked at the end of the statement. Each row
   * comes with its image's sha256 (what the worker call is keyed by), so launching a call needs no further read.
   */
  async claim(owner: string, groups: number, maxBatch: number, leaseMs: number): Promise<ClaimedRequest[]> {
    if (groups <= 0 || maxBatch <= 0) return [];
    const rows = await this.prisma.$queryRaw<ClaimedRequest[]>`
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
    // Queue order within each call (RETURNING has none).
    return rows.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime() || a.batchIndex - b.batchIndex);
  }

  /** Extends the lease of rows this owner still holds; returns the ids it still holds. */
  async renew(owner: string, ids: readonly string[], leaseMs: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE "segmentation_requests"
      SET "leaseExpiresAt" = now() + make_interval(secs => ${leaseMs / 1000}::float8)
      WHERE "id" = ANY(${[...ids]}::uuid[]) AND "leaseOwner" = ${owner} AND "status" = 'RUNNING'
      RETURNING "id"`;
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Records final results and their usage in one transaction — each only if `owner` still holds the row. Returns,
   * per item, whether it was written: false when the row was cancelled or re-leased meanwhile (nothing is written
   * for it: no duplicate result, no double count).
   */
  finish(
    owner: string,
    items: readonly { tenantId: string; id: string; outcome: SuccessOutcome | FailureOutcome }[],
    at: Date,
  ): Promise<boolean[]> {
    return this.prisma.$transaction(async (tx) => {
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

  /** Puts a row this owner holds back in the queue, claimable after `delayMs`. */
  async requeue(
    tenantId: string,
    id: string,
    owner: string,
    delayMs: number,
    error: { code: string; message: string } | null,
    refundAttempt = false,
  ): Promise<boolean> {
    const { count } = await this.prisma.segmentationRequest.updateMany({
      where: { id, tenantId, leaseOwner: owner, status: 'RUNNING' },
      data: {
        status: 'QUEUED',
        leaseOwner: null,
        leaseExpiresAt: null,
        availableAt: new Date(Date.now() + delayMs),
        ...(error ? { errorCode: error.code, errorMessage: error.message } : {}),
        ...(refundAttempt ? { attempts: { decrement: 1 } } : {}),
      },
    });
    return count > 0;
  }

  /** Loads the image bytes a claimed row refers to (from the row, or the image store). */
  async imageData(tenantId: string, imageId: string): Promise<{ sha256: string; data: Uint8Array } | null> {
    const row = await this.prisma.image.findFirst({ where: { id: imageId, tenantId }, select: { sha256: true, data: true } });
    return resolveBytes(this.store, tenantId, row);
  }

  /**
   * The live queue for the metrics (every replica's rows): counts of queued (and of those, due) and running rows and
   * the oldest queued row's age — one query over the (status, availableAt) index, touching only active rows.
   */
  async snapshot(): Promise<QueueSnapshot> {
    const [row] = await this.prisma.$queryRaw<{ queued: bigint | number; due: bigint | number; running: bigint | number; age: number | null }[]>`
      SELECT count(*) FILTER (WHERE "status" = 'QUEUED') AS queued,
             count(*) FILTER (WHERE "status" = 'QUEUED' AND "availableAt" <= now()) AS due,
             count(*) FILTER (WHERE "status" = 'RUNNING') AS running,
             EXTRACT(EPOCH FROM now() - min("createdAt") FILTER (WHERE "status" = 'QUEUED'))::float8 AS age
      FROM "segmentation_requests" WHERE "status" IN ('QUEUED', 'RUNNING')`;
    return {
      queued: Number(row?.queued ?? 0),
      queuedDue: Number(row?.due ?? 0),
      running: Number(row?.running ?? 0),
      oldestQueuedAgeSeconds: Math.max(0, Number(row?.age ?? 0)),
    };
  }

  /** Queue depth per status (admin view). */
  async depth(): Promise<Record<string, number>> {
    const rows = await this.prisma.segmentationRequest.groupBy({ by: ['status'], _count: { _all: true } });
    return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
  }
}
