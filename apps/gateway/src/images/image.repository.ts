import type { Image, ImageFormat, Prisma, PrismaClient } from '../__generated__/prisma/client';
import { afterCursor, type PageCursor } from '../common/cursor';
import { DONE_CHANNEL } from '../segmentation/segmentation.repository';
import { lockTenant, recordUsage, TX_OPTIONS } from '../usage/usage.recorder';
import type { Readable } from 'node:stream';
import type { ImageStore } from './image-store';

export interface ImageFilter {
  createdAfter?: Date;
  createdBefore?: Date;
  format?: ImageFormat[];
  sha256?: string;
}

/** What deleting an image removed. */
export interface DeletedImage {
  image: ImageMeta;
  /** Segmentation requests removed with it (every status). */
  deletedSegmentations: number;
  /** Of those, the ones that were still QUEUED or RUNNING. */
  cancelledSegmentations: number;
}

export type ImageMeta = Omit<Image, 'data'>;

const META = {
  id: true,
  tenantId: true,
  sha256: true,
  format: true,
  byteSize: true,
  width: true,
  height: true,
  createdAt: true,
} as const;

/** A row's bytes: inline in the database, or (data null) in the image store under (tenant, sha256). */
export async function resolveBytes<T extends { sha256: string; data: Uint8Array | null }>(
  store: ImageStore | null,
  tenantId: string,
  row: T | null,
): Promise<(Omit<T, 'data'> & { data: Uint8Array }) | null> {
  if (!row) return null;
  if (row.data) return { ...row, data: row.data };
  const data = store ? await store.get(tenantId, row.sha256) : null;
  return data ? { ...row, data } : null;
}

export class ImageRepository {
  /** `store`: where new images' bytes go (null = the database row itself, as in PostgreSQL mode). */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: ImageStore | null = null,
  ) {}

  get(tenantId: string, imageId: string): Promise<ImageMeta | null> {
    return this.prisma.image.findFirst({ where: { id: imageId, tenantId }, select: META });
  }

  getMany(tenantId: string, imageIds: readonly string[]): Promise<ImageMeta[]> {
    return this.prisma.image.findMany({ where: { id: { in: [...imageIds] }, tenantId }, select: META });
  }

  findBySha256(tenantId: string, sha256: string): Promise<ImageMeta | null> {
    return this.prisma.image.findUnique({ where: { tenantId_sha256: { tenantId, sha256 } }, select: META });
  }

  async getData(tenantId: string, imageId: string): Promise<{ sha256: string; data: Uint8Array } | null> {
    const row = await this.prisma.image.findFirst({ where: { id: imageId, tenantId }, select: { sha256: true, data: true } });
    return resolveBytes(this.store, tenantId, row);
  }

  /**
   * The stored bytes with what a download needs to label them: a stream from the image store (never the whole image
   * in memory), or the row's bytes in database mode.
   */
  async openContent(
    tenantId: string,
    imageId: string,
  ): Promise<{ sha256: string; format: ImageFormat; size: number; body: Uint8Array | Readable } | null> {
    const row = await this.prisma.image.findFirst({ where: { id: imageId, tenantId }, select: { sha256: true, format: true, data: true } });
    if (!row) return null;
    if (row.data) return { sha256: row.sha256, format: row.format, size: row.data.byteLength, body: row.data };
    const opened = this.store ? await this.store.open(tenantId, row.sha256) : null;
    return opened ? { sha256: row.sha256, format: row.format, ...opened } : null;
  }

  /** Newest first; up to `take` rows after the cursor. */
  list(tenantId: string, filter: ImageFilter, take: number, after?: PageCursor): Promise<ImageMeta[]> {
    return this.prisma.image.findMany({
      where: { tenantId, ...filterWhere(filter), ...afterCursor(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: META,
    });
  }

  count(tenantId: string, filter: ImageFilter): Promise<number> {
    return this.prisma.image.count({ where: { tenantId, ...filterWhere(filter) } });
  }

  /** Ids of this tenant's images created before `cutoff`, oldest first (the retention sweeper). */
  async idsCreatedBefore(tenantId: string, cutoff: Date, take: number): Promise<string[]> {
    const rows = await this.prisma.image.findMany({
      where: { tenantId, createdAt: { lt: cutoff } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /**
   * Deletes the image, its segmentation requests (the foreign key cascades: results, attention maps, queued and
   * running work) and its bytes, under the tenant's row lock — the lock uploads take too, so a concurrent upload of
   * the same bytes either finds this row (and then the deletion wins) or comes after it and stores the bytes anew.
   * Usage events and rollups are not linked to images and stay (billing). Long-pollers of the removed requests are
   * woken (they then answer NOT_FOUND); a dispatcher computing one loses its lease at the next renewal and aborts
   * the worker call; a result that arrives anyway finds no row and is dropped.
   */
  deleteImage(tenantId: string, imageId: string): Promise<DeletedImage | null> {
    return this.prisma.$transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      const image = await tx.image.findFirst({ where: { id: imageId, tenantId }, select: META });
      if (!image) return null;
      const requests = await tx.segmentationRequest.findMany({ where: { tenantId, imageId }, select: { id: true, status: true } });
      // Cancel unfinished work first: the status trigger announces it (subscriptions end: their rows are gone by
      // the time they re-read them, on commit), then the row and its requests go.
      await tx.segmentationRequest.updateMany({
        where: { tenantId, imageId, status: { in: ['QUEUED', 'RUNNING'] } },
        data: { status: 'CANCELLED', leaseOwner: null, leaseExpiresAt: null },
      });
      await tx.image.delete({ where: { id: image.id } });
      const ids = requests.map((r) => r.id);
      if (ids.length > 0) await tx.$executeRaw`SELECT pg_notify(${DONE_CHANNEL}, id) FROM unnest(${ids}::text[]) AS id`;
      // Inside the transaction, under the lock: see insertRow for the other half of this.
      if (this.store) await this.store.delete(tenantId, image.sha256);
      return {
        image,
        deletedSegmentations: requests.length,
        cancelledSegmentations: requests.filter((r) => r.status === 'QUEUED' || r.status === 'RUNNING').length,
      };
    }, TX_OPTIONS);
  }

  async storedBytes(tenantId: string): Promise<bigint> {
    const r = await this.prisma.image.aggregate({ where: { tenantId }, _sum: { byteSize: true } });
    return BigInt(r._sum.byteSize ?? 0);
  }

  /**
   * Stores the image once per tenant, in one transaction with its usage: when this tenant already has these bytes
   * (same sha256) the existing row is returned; otherwise the storage quota is checked under the tenant's row lock
   * and the image inserted. `created` says which happened; `overQuota` means nothing was written.
   */
  async insertOnce(
    tenantId: string,
    image: { sha256: string; format: ImageFormat; byteSize: number; width: number; height: number; data: Uint8Array },
    maxStorageBytes: bigint,
    at: Date,
  ): Promise<{ image: ImageMeta; created: boolean } | { overQuota: { storedBytes: bigint } }> {
    // With a store the bytes go there first (content-addressed: a repeat is harmless) and the row holds metadata only.
    if (this.store) await this.store.put(tenantId, image.sha256, image.data);
    return this.insertRow(tenantId, image, maxStorageBytes, at);
  }

  private insertRow(
    tenantId: string,
    image: { sha256: string; format: ImageFormat; byteSize: number; width: number; height: number; data: Uint8Array },
    maxStorageBytes: bigint,
    at: Date,
  ): Promise<{ image: ImageMeta; created: boolean } | { overQuota: { storedBytes: bigint } }> {
    return this.prisma.$transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      const existing = await tx.image.findUnique({ where: { tenantId_sha256: { tenantId, sha256: image.sha256 } }, select: META });
      if (existing) return { image: existing, created: false };
      const sum = await tx.image.aggregate({ where: { tenantId }, _sum: { byteSize: true } });
      const storedBytes = BigInt(sum._sum.byteSize ?? 0);
      if (storedBytes + BigInt(image.byteSize) > maxStorageBytes) {
        // Under the lock, so a concurrent upload of the same bytes that got its row in first keeps its file.
        if (this.store) await this.store.delete(tenantId, image.sha256).catch(() => undefined);
        return { overQuota: { storedBytes } };
      }
      // A deletion of the same bytes may have removed the file after the optimistic put above and before this lock
      // (deleteImage removes files under the same lock): write it again so the new row never lacks its bytes.
      if (this.store && !(await this.store.has(tenantId, image.sha256))) await this.store.put(tenantId, image.sha256, image.data);
      const created = await tx.image.create({
        data: { tenantId, ...image, data: this.store ? null : new Uint8Array(image.data) },
        select: META,
      });
      await recordUsage(tx, tenantId, { requests: 1, images: 1 }, at);
      return { image: created, created: true };
    }, TX_OPTIONS);
  }
}

function filterWhere(filter: ImageFilter): Prisma.ImageWhereInput {
  const createdAt: Prisma.DateTimeFilter = {};
  if (filter.createdAfter) createdAt.gte = filter.createdAfter;
  if (filter.createdBefore) createdAt.lt = filter.createdBefore;
  return {
    ...(filter.createdAfter || filter.createdBefore ? { createdAt } : {}),
    ...(filter.format?.length ? { format: { in: filter.format } } : {}),
    ...(filter.sha256 ? { sha256: filter.sha256 } : {}),
  };
}
