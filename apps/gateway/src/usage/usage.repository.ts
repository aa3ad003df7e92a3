import type { PrismaClient } from '../__generated__/prisma/client';

export type Granularity = 'HOUR' | 'DAY';

export interface UsagePoint {
  bucket: Date;
  requests: number;
  expressions: number;
  images: number;
  gpuMs: number;
  failures: number;
}

export class UsageRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The tenant's hourly rollups in [from, to), summed per hour or per UTC day. */
  async series(tenantId: string, from: Date, to: Date, granularity: Granularity): Promise<UsagePoint[]> {
    const unit = granularity === 'DAY' ? 'day' : 'hour';
    const rows = await this.prisma.$queryRaw<
      { bucket: Date; requests: bigint; expressions: bigint; images: bigint; gpuMs: bigint; failures: bigint }[]
    >`
      SELECT date_trunc(${unit}, "bucket" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS "bucket",
             sum("requests")::bigint AS "requests", sum("expressions")::bigint AS "expressions",
             sum("images")::bigint AS "images", sum("gpuMs")::bigint AS "gpuMs", sum("failures")::bigint AS "failures"
      FROM "usage_rollups"
      WHERE "tenantId" = ${tenantId}::uuid AND "bucket" >= ${from} AND "bucket" < ${to}
      GROUP BY 1 ORDER BY 1`;
    return rows.map((r) => ({
      bucket: new Date(r.bucket),
      requests: Number(r.requests),
      expressions: Number(r.expressions),
      images: Number(r.images),
      gpuMs: Number(r.gpuMs),
      failures: Number(r.failures),
    }));
  }
}
