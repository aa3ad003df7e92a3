import type { Logger } from 'pino';
import { GatewayError } from '../common/gateway.errors';
import type { ApiKeyRepository } from './api-key.repository';
import { decodeToken } from './api-key.token';
import type { Principal } from './principal';

interface CacheEntry {
  principal: Principal;
  until: number;
}

/**
 * Resolves an API key to a Principal. Verification is cached briefly per token hash (a busy client does not hit the
 * database on every call); revoking through this process evicts at once, other replicas within `cacheMs`.
 * `lastUsedAt` is written at most once a minute per key.
 */
export class AuthService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly logger: Logger,
    private readonly cacheMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** null when no key was sent (public operations decide), a Principal, or UNAUTHENTICATED for a bad key. */
  async authenticate(token: string | undefined): Promise<Principal | null> {
    if (!token) return null;
    const decoded = decodeToken(token);
    if (!decoded.ok) {
      throw new GatewayError('UNAUTHENTICATED', decoded.reason === 'UNSUPPORTED_VERSION' ? 'unsupported API key version' : 'malformed API key');
    }
    const t = this.now();
    const hit = this.cache.get(decoded.hash);
    if (hit && hit.until > t) {
      this.touch(hit.principal, t);
      return hit.principal;
    }
    const key = await this.keys.findByHashForAuth(decoded.hash);
    if (!key || key.revokedAt || key.tenant.disabledAt) {
      this.cache.delete(decoded.hash);
      throw new GatewayError('UNAUTHENTICATED', key?.revokedAt ? 'this API key was revoked' : 'invalid API key');
    }
    const principal: Principal = {
      tenantId: key.tenantId,
      keyId: key.id,
      scopes: new Set(key.scopes),
      limits: {
        maxImageBytes: key.tenant.maxImageBytes,
        maxImagePixels: key.tenant.maxImagePixels,
        maxStorageBytes: key.tenant.maxStorageBytes,
        monthlyExpressionQuota: key.tenant.monthlyExpressionQuota,
        rateLimitPerMinute: key.tenant.rateLimitPerMinute,
      },
    };
    this.cache.set(decoded.hash, { principal, until: t + this.cacheMs });
    this.touch(principal, t);
    return principal;
  }

  /** Drops cached verifications of a key (after revocation) or of a whole tenant (after a quota change). */
  evict(match: { keyId?: string; tenantId?: string }): void {
    for (const [hash, entry] of this.cache) {
      if (entry.principal.keyId === match.keyId || entry.principal.tenantId === match.tenantId) this.cache.delete(hash);
    }
  }

  private touch(principal: Principal, t: number): void {
    const last = this.touched.get(principal.keyId) ?? 0;
    if (t - last < 60_000) return;
    this.touched.set(principal.keyId, t);
    this.keys.touch(principal.tenantId, principal.keyId, new Date(t)).catch((err: unknown) => {
      this.logger.warn({ err, keyId: principal.keyId }, 'could not record API key use');
    });
  }
}
