import type { Tenant } from '../__generated__/prisma/client';
import type { AuthService } from '../auth/auth.service';
import { GatewayError, badInput, notFound } from '../common/gateway.errors';
import { isUuid } from '../common/ids';
import type { TenantQuotaInput, TenantRepository } from './tenant.repository';

export const MAX_RETENTION_DAYS = 36_500;
const NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export class TenantService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly auth: AuthService,
  ) {}

  async create(name: string, quotas: TenantQuotaInput = {}): Promise<Tenant> {
    if (!NAME_RE.test(name)) throw badInput('a tenant name is 1–63 characters of a-z, 0-9, _ . - (starting with a letter or digit)');
    validateQuotas(quotas);
    if (await this.tenants.findByName(name)) throw new GatewayError('CONFLICT', `tenant ${name} already exists`);
    return this.tenants.create(name, quotas);
  }

  listAll(): Promise<Tenant[]> {
    return this.tenants.listAll();
  }

  /** NOT_FOUND for an unknown or malformed id alike (a malformed one never reaches the database). */
  async get(tenantId: string): Promise<Tenant> {
    const t = isUuid(tenantId) ? await this.tenants.get(tenantId) : null;
    if (!t) throw notFound('tenant', tenantId);
    return t;
  }

  async findByName(name: string): Promise<Tenant | null> {
    return this.tenants.findByName(name);
  }

  /** Images older than `days` days are deleted by the retention sweeper; null keeps them until deleted. */
  async setImageRetention(tenantId: string, days: number | null): Promise<Tenant> {
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS)) {
      throw badInput(`imageRetentionDays must be 1–${MAX_RETENTION_DAYS} (or null to keep images until deleted)`);
    }
    await this.get(tenantId);
    return this.tenants.setImageRetention(tenantId, days);
  }

  async updateQuotas(tenantId: string, quotas: TenantQuotaInput): Promise<Tenant> {
    validateQuotas(quotas);
    await this.get(tenantId);
    const t = await this.tenants.updateQuotas(tenantId, quotas);
    this.auth.evict({ tenantId });
    return t;
  }
}

function validateQuotas(q: TenantQuotaInput): void {
  const positive = (v: number | bigint | null | undefined, name: string) => {
    if (v !== undefined && v !== null && v <= 0) throw badInput(`${name} must be positive`);
  };
  positive(q.maxImageBytes, 'maxImageBytes');
  positive(q.maxImagePixels, 'maxImagePixels');
  positive(q.maxStorageBytes, 'maxStorageBytes');
  positive(q.rateLimitPerMinute, 'rateLimitPerMinute');
  if (q.monthlyExpressionQuota !== undefined && q.monthlyExpressionQuota !== null && q.monthlyExpressionQuota < 0) {
    throw badInput('monthlyExpressionQuota must not be negative');
  }
}
