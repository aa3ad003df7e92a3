import { describe, expect, it } from 'vitest';
import { GatewayError } from './gateway.errors';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows the per-minute budget, then answers RATE_LIMITED until tokens refill; tenants are separate', () => {
    let now = 0;
    const rl = new RateLimiter(() => now);
    for (let i = 0; i < 3; i++) rl.take('a', 3);
    let err: unknown;
    try {
      rl.take('a', 3);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('RATE_LIMITED');
    expect((err as GatewayError).details.retryAfterSeconds).toBe(20);
    expect(() => rl.take('b', 3)).not.toThrow();
    now += 20_000;
    expect(() => rl.take('a', 3)).not.toThrow();
    expect(() => rl.take('a', 3)).toThrow(GatewayError);
  });
});
