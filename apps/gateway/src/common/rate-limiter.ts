import { GatewayError } from './gateway.errors';

/**
 * Per-tenant token bucket (capacity = the tenant's requests per minute, refilled continuously). In memory, per
 * replica: with N replicas behind a balancer a tenant gets up to N× its rate — documented in docs/gateway.md.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  take(tenantId: string, perMinute: number): void {
    const t = this.now();
    const b = this.buckets.get(tenantId) ?? { tokens: perMinute, at: t };
    b.tokens = Math.min(perMinute, b.tokens + ((t - b.at) * perMinute) / 60_000);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(tenantId, b);
      const retryAfterSeconds = Math.ceil(((1 - b.tokens) * 60) / perMinute);
      throw new GatewayError('RATE_LIMITED', `rate limit of ${perMinute} requests per minute reached`, { retryAfterSeconds });
    }
    b.tokens -= 1;
    this.buckets.set(tenantId, b);
  }
}
