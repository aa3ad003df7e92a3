/**
 * `refdiff images migrate-store`: moves image bytes still held in the database rows (bytea: PostgreSQL mode before
 * IMAGE_STORE, or IMAGE_STORE=database) into the configured image store, then clears the column.
 *
 * Batch-wise by id (keyset), one row's bytes in memory per concurrent slot; each row is finished on its own
 * (put, then clear under the tenant's row lock), so the command can be stopped at any point and run again: it
 * resumes with the rows that still hold bytes, and a finished row is never touched again (idempotent). Gateways may
 * run meanwhile, provided they already have the same IMAGE_STORE: they read a row's bytes from the row while it
 * has them and from the store afterwards. Cross-tenant by nature (like the dispatcher's claim); every write names
 * the row's tenant.
 */
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../__generated__/prisma/client';
import { lockTenant, TX_OPTIONS } from '../usage/usage.recorder';
import type { ImageStore } from './image-store';

export interface StoreMigrationProgress {
  /** Rows whose bytes are now in the store (this run). */
  moved: number;
  movedBytes: number;
  /** Rows left in the database because their bytes do not match their sha256 (reported, never moved). */
  mismatched: string[];
  /** Rows holding bytes when the run started. */
  total: number;
  totalBytes: number;
}

export interface StoreMigrationOptions {
  /** Rows listed per query (default 100). */
  batch?: number;
  /** Rows moved at once (default 4): at most this many images' bytes in memory. */
  concurrency?: number;
  /** Called after every batch. */
  onProgress?: (p: Readonly<StoreMigrationProgress>) => void;
  signal?: AbortSignal;
}

/** How many rows (and bytes) still hold their image in the database. */
export async function inlineImageTotals(prisma: PrismaClient): Promise<{ rows: number; bytes: number }> {
  const r = await prisma.image.aggregate({ where: { data: { not: null } }, _count: { _all: true }, _sum: { byteSize: true } });
  return { rows: r._count._all, bytes: r._sum.byteSize ?? 0 };
}

export async function migrateImagesToStore(prisma: PrismaClient, store: ImageStore, options: StoreMigrationOptions = {}): Promise<StoreMigrationProgress> {
  const batch = Math.max(1, options.batch ?? 100);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const totals = await inlineImageTotals(prisma);
  const progress: StoreMigrationProgress = { moved: 0, movedBytes: 0, mismatched: [], total: totals.rows, totalBytes: totals.bytes };
  let after: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const rows = await prisma.image.findMany({
      where: { data: { not: null }, ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: 'asc' },
      take: batch,
      select: { id: true, tenantId: true, sha256: true },
    });
    if (rows.length === 0) break;
    after = rows[rows.length - 1].id;
    let next = 0;
    const slot = async () => {
      while (next < rows.length) {
        options.signal?.throwIfAborted();
        const row = rows[next++];
        const moved = await moveOne(prisma, store, row);
        if (moved === 'mismatch') progress.mismatched.push(row.id);
        else if (moved !== null) {
          progress.moved += 1;
          progress.movedBytes += moved;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, slot));
    options.onProgress?.(progress);
  }
  return progress;
}

/** Moves one row's bytes; the byte count moved, null when another run or a deletion got there first. */
async function moveOne(
  prisma: PrismaClient,
  store: ImageStore,
  row: { id: string; tenantId: string; sha256: string },
): Promise<number | null | 'mismatch'> {
  const r = await prisma.image.findFirst({ where: { id: row.id, tenantId: row.tenantId }, select: { data: true } });
  if (!r?.data) return null;
  const data = r.data;
  // The key is the content's address: never file bytes under a hash they do not have.
  if (createHash('sha256').update(data).digest('hex') !== row.sha256) return 'mismatch';
  await store.put(row.tenantId, row.sha256, data);
  return prisma.$transaction(async (tx) => {
    // Under the tenant's lock, as deleteImage and uploads: a deletion either came before (the row is gone, and the
    // object just written is removed again, unless a new upload of the same bytes owns it) or waits for this.
    await lockTenant(tx, row.tenantId);
    const { count } = await tx.image.updateMany({ where: { id: row.id, tenantId: row.tenantId, data: { not: null } }, data: { data: null } });
    if (count === 1) return data.byteLength;
    const owner = await tx.image.findUnique({ where: { tenantId_sha256: { tenantId: row.tenantId, sha256: row.sha256 } }, select: { data: true } });
    if (!owner) await store.delete(row.tenantId, row.sha256);
    return null;
  }, TX_OPTIONS);
}
