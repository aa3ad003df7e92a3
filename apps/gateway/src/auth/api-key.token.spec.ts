import { describe, expect, it } from 'vitest';
import { decodeToken, hashToken, issueToken, tokenFromHeaders } from './api-key.token';

describe('API key tokens', () => {
  it('issues prefixed, versioned, unique tokens whose hash is what decode computes', () => {
    const a = issueToken();
    const b = issueToken();
    expect(a.token).toMatch(/^rd_live_v1_[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.displayPrefix).toBe(a.token.slice(0, 17));
    expect(a.hash).toBe(hashToken(a.token));
    expect(decodeToken(a.token)).toEqual({ ok: true, version: 1, hash: a.hash });
  });

  it('rejects missing, malformed and unknown-version tokens with a typed reason', () => {
    expect(decodeToken(undefined)).toEqual({ ok: false, reason: 'MISSING' });
    expect(decodeToken('rd_live_v1_short')).toEqual({ ok: false, reason: 'MALFORMED' });
    expect(decodeToken(`sk_live_v1_${'a'.repeat(43)}`)).toEqual({ ok: false, reason: 'MALFORMED' });
    expect(decodeToken(`rd_live_v2_${'a'.repeat(43)}`)).toEqual({ ok: false, reason: 'UNSUPPORTED_VERSION' });
  });

  it('reads Bearer and x-api-key headers', () => {
    expect(tokenFromHeaders({ authorization: 'Bearer abc' })).toBe('abc');
    expect(tokenFromHeaders({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(tokenFromHeaders({})).toBeUndefined();
  });
});
