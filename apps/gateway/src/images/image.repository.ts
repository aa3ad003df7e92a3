import type { Image, ImageFormat, PrismaClient } from '../__generated__/prisma/client';
import { lockTenant, recordUsage, TX_OPTIONS } from '../usage/usage.recorder';
import type { ImageStore } from './image-store';

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

  /** The stored bytes with what a download needs to label them. */
  async getContent(tenantId: string, imageId: string): Promise<{ sha256: string; format: ImageFormat; data: Uint8Array } | null> {
    const row = await this.prisma.image.findFirst({ where: { id: imageId, tenantId }, select: { sha256: true, format: true, data: true } });
    return resolveBytes(this.store, tenantId, row);
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
    const result = await this.insertRow(tenantId, image, maxStorageBytes, at);
    if (this.store && 'overQuota' in result) await this.store.delete(tenantId, image.sha256).catch(() => undefined);
    return result;
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
      if (storedBytes + BigInt(image.byteSize) > maxStorageBytes) return { overQuota: { storedBytes } };
      const created = await tx.image.create({
        data: { tenantId, ...image, data: this.store ? null : new Uint8Array(image.data) },
        select: META,
      });
      await recordUsage(tx, tenantId, { requests: 1, images: 1 }, at);
      return { image: created, created: true };
    }, TX_OPTIONS);
  }
}
