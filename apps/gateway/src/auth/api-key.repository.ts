import type { ApiKey, ApiKeyScope, PrismaClient, Tenant } from '../__generated__/prisma/client';

export type ApiKeyWithTenant = ApiKey & { tenant: Tenant };

export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Authentication: the token's hash is the only key into this table before the tenant is known. Revoked keys are
   * returned too (the service answers UNAUTHENTICATED for them).
   */
  findByHashForAuth(hash: string): Promise<ApiKeyWithTenant | null> {
    return this.prisma.apiKey.findUnique({ where: { hash }, include: { tenant: true } });
  }

  create(
    tenantId: string,
    data: { name: string; version: number; prefix: string; hash: string; scopes: ApiKeyScope[] },
  ): Promise<ApiKey> {
    return this.prisma.apiKey.create({ data: { tenantId, ...data } });
  }

  list(tenantId: string): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } });
  }

  get(tenantId: string, keyId: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findFirst({ where: { id: keyId, tenantId } });
  }

  /** Returns null when the key does not exist in this tenant. Revoking twice keeps the first instant. */
  async revoke(tenantId: string, keyId: string): Promise<ApiKey | null> {
    await this.prisma.apiKey.updateMany({ where: { id: keyId, tenantId, revokedAt: null }, data: { revokedAt: new Date() } });
    return this.get(tenantId, keyId);
  }

  async touch(tenantId: string, keyId: string, at: Date): Promise<void> {
    await this.prisma.apiKey.updateMany({ where: { id: keyId, tenantId }, data: { lastUsedAt: at } });
  }
}
