/**
 * The durable queue: segmentation_requests rows claimed with `FOR UPDATE SKIP LOCKED` under a lease, so any number
 * of gateway replicas can dispatch side by side without taking the same row, and a replica that dies leaves rows
 * whose lease expires and which the next claim takes again. Claiming is cross-tenant by nature (the dispatcher
 * serves every tenant); every write after the claim names the row's tenant and the lease owner, so a replica whose
 * lease was taken over cannot overwrite the new owner's work.
 */
import type { Prisma, PrismaClient, SegmentationRequest } from '../__generated__/prisma/client';
import { DONE_CHANNEL } from '../segmentation/segmentation.repository';
import type { SqlRunner } from '../db/sql-runner';
import { claimDue, finishRequests } from '../segmentation/segmentation.sql';
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
    /** claim and finish run as plain SQL over the same pool (segmentation.sql.ts) */
    private readonly sql: SqlRunner,
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
    return claimDue(this.sql, owner, groups, maxBatch, leaseMs);
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
  ): Promise<{ written: boolean[]; rows: SegmentationRequest[] }> {
    return finishRequests(this.sql, owner, items, at, DONE_CHANNEL);
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
