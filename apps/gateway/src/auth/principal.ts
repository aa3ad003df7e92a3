import type { ApiKeyScope } from '../__generated__/prisma/enums';
import { GatewayError } from '../common/gateway.errors';

/** Who is calling: resolved from the API key once per request. */
export interface Principal {
  readonly tenantId: string;
  readonly keyId: string;
  readonly scopes: ReadonlySet<ApiKeyScope>;
  /** Tenant limits, loaded with the key. */
  readonly limits: TenantLimits;
}

export interface TenantLimits {
  maxImageBytes: number;
  maxImagePixels: number;
  maxStorageBytes: bigint;
  monthlyExpressionQuota: number | null;
  rateLimitPerMinute: number;
}

export function requireScope(principal: Principal | null, scope: ApiKeyScope): Principal {
  if (!principal) throw new GatewayError('UNAUTHENTICATED', 'an API key is required (Authorization: Bearer rd_live_…)');
  if (!principal.scopes.has(scope)) {
    throw new GatewayError('FORBIDDEN', `this API key lacks the ${scope} scope`);
  }
  return principal;
}
