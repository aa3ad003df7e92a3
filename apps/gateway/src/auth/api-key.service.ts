import type { ApiKey, ApiKeyScope } from '../__generated__/prisma/client';
import { badInput, notFound } from '../common/gateway.errors';
import { isUuid } from '../common/ids';
import type { TenantRepository } from '../tenants/tenant.repository';
import type { ApiKeyRepository } from './api-key.repository';
import { issueToken } from './api-key.token';
import type { AuthService } from './auth.service';

export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly tenants: TenantRepository,
    private readonly auth: AuthService,
  ) {}

  /** Creates a key; the token is returned exactly once and never stored. */
  async create(tenantId: string, name: string, scopes: ApiKeyScope[]): Promise<{ key: ApiKey; token: string }> {
    if (!name.trim() || name.length > 100) throw badInput('a key name is 1–100 characters');
    if (scopes.length === 0) throw badInput('a key needs at least one scope');
    if (!isUuid(tenantId) || !(await this.tenants.get(tenantId))) throw notFound('tenant', tenantId);
    const issued = issueToken();
    const key = await this.keys.create(tenantId, {
      name: name.trim(),
      version: issued.version,
      prefix: issued.displayPrefix,
      hash: issued.hash,
      scopes: [...new Set(scopes)],
    });
    return { key, token: issued.token };
  }

  list(tenantId: string): Promise<ApiKey[]> {
    return isUuid(tenantId) ? this.keys.list(tenantId) : Promise.resolve([]);
  }

  async revoke(tenantId: string, keyId: string): Promise<ApiKey> {
    const key = isUuid(tenantId) && isUuid(keyId) ? await this.keys.revoke(tenantId, keyId) : null;
    if (!key) throw notFound('API key', keyId);
    this.auth.evict({ keyId });
    return key;
  }
}
