import type { Image, ImageFormat, PrismaClient } from '../__generated__/prisma/client';
import { lockTenant, recordUsage, TX_OPTIONS } from '../usage/usage.recorder';

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

export class ImageRepository {
  constructor(private readonly prisma: PrismaClient) {}

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
    return this.prisma.image.findFirst({ where: { id: imageId, tenantId }, select: { sha256: true, data: true } });
  }

  /** The stored bytes with what a download needs to label them. */
  getContent(tenantId: string, imageId: string): Promise<{ sha256: string; format: ImageFormat; data: Uint8Array } | null> {
    return this.prisma.image.findFirst({ where: { id: imageId, tenantId }, select: { sha256: true, format: true, data: true } });
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
  insertOnce(
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
        data: { tenantId, ...image, data: new Uint8Array(image.data) },
        select: META,
      });
      await recordUsage(tx, tenantId, { requests: 1, images: 1 }, at);
      return { image: created, created: true };
    }, TX_OPTIONS);
  }
}
