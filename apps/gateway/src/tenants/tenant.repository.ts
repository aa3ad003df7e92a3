import type { PrismaClient, Tenant } from '../__generated__/prisma/client';

export interface TenantQuotaInput {
  maxImageBytes?: number;
  maxImagePixels?: number;
  maxStorageBytes?: bigint;
  monthlyExpressionQuota?: number | null;
  rateLimitPerMinute?: number;
}

/** Tenants themselves; operations on one tenant take its id. */
export class TenantRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(name: string, quotas: TenantQuotaInput = {}): Promise<Tenant> {
    return this.prisma.tenant.create({ data: { name, ...quotas } });
  }

  /** Platform-wide listing: used only behind the ADMIN scope. */
  listAll(): Promise<Tenant[]> {
    return this.prisma.tenant.findMany({ orderBy: { createdAt: 'asc' } });
  }

  findByName(name: string): Promise<Tenant | null> {
    return this.prisma.tenant.findUnique({ where: { name } });
  }

  get(tenantId: string): Promise<Tenant | null> {
    return this.prisma.tenant.findUnique({ where: { id: tenantId } });
  }

  /** Tenants with a retention period (the sweeper's work list; platform-wide like listAll). */
  listWithRetention(): Promise<{ id: string; imageRetentionDays: number }[]> {
    return this.prisma.tenant
      .findMany({ where: { imageRetentionDays: { not: null } }, select: { id: true, imageRetentionDays: true }, orderBy: { id: 'asc' } })
      .then((rows) => rows.map((r) => ({ id: r.id, imageRetentionDays: r.imageRetentionDays as number })));
  }

  setImageRetention(tenantId: string, days: number | null): Promise<Tenant> {
    return this.prisma.tenant.update({ where: { id: tenantId }, data: { imageRetentionDays: days } });
  }

  updateQuotas(tenantId: string, quotas: TenantQuotaInput): Promise<Tenant> {
    return this.prisma.tenant.update({ where: { id: tenantId }, data: quotas });
  }
}
