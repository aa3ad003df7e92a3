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

  updateQuotas(tenantId: string, quotas: TenantQuotaInput): Promise<Tenant> {
    return this.prisma.tenant.update({ where: { id: tenantId }, data: quotas });
  }
}
