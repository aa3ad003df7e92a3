import { describe, expect, it } from 'vitest';
import { fromGraphQLErrors, isRefdiffError, RefdiffError, toCode } from './client.errors';

describe('typed errors', () => {
  it("keeps the gateway's code and safe details, and the HTTP status", () => {
    const e = fromGraphQLErrors([{ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 3 } }], 429);
    expect(e).toBeInstanceOf(RefdiffError);
    expect([e.code, e.message, e.status, e.details]).toEqual(['RATE_LIMITED', 'slow down', 429, { retryAfterSeconds: 3 }]);
    expect(isRefdiffError(e, 'RATE_LIMITED')).toBe(true);
    expect(isRefdiffError(e, 'NOT_FOUND')).toBe(false);
  });

  it('reads a code it does not know (a newer gateway) or none as INTERNAL_SERVER_ERROR', () => {
    expect(toCode('SOMETHING_NEW')).toBe('INTERNAL_SERVER_ERROR');
    expect(fromGraphQLErrors([{ message: 'x' }]).code).toBe('INTERNAL_SERVER_ERROR');
    expect(toCode('GRAPHQL_VALIDATION_FAILED')).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
