/**
 * API key tokens: `rd_live_v1_<43 base64url chars>` (256 random bits). Prefixed so leaked keys are recognisable
 * (secret scanners), versioned so the format can change. Only the sha256 of the whole token and a short display
 * prefix are stored; a fast hash is right for 256-bit random secrets (no dictionary to attack).
 */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'rd_live_';
export const TOKEN_VERSION = 1;
const TOKEN_RE = /^rd_live_v(\d{1,3})_([A-Za-z0-9_-]{43})$/;
/** Characters shown in listings: `rd_live_v1_` plus 6 of the secret. */
export const DISPLAY_PREFIX_LENGTH = 17;

export interface IssuedToken {
  token: string;
  version: number;
  hash: string;
  displayPrefix: string;
}

export type DecodedToken =
  | { ok: true; version: number; hash: string }
  | { ok: false; reason: 'MISSING' | 'MALFORMED' | 'UNSUPPORTED_VERSION' };

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function issueToken(): IssuedToken {
  const token = `${TOKEN_PREFIX}v${TOKEN_VERSION}_${randomBytes(32).toString('base64url')}`;
  return { token, version: TOKEN_VERSION, hash: hashToken(token), displayPrefix: token.slice(0, DISPLAY_PREFIX_LENGTH) };
}

export function decodeToken(token: string | undefined | null): DecodedToken {
  if (!token) return { ok: false, reason: 'MISSING' };
  const m = TOKEN_RE.exec(token);
  if (!m) return { ok: false, reason: 'MALFORMED' };
  const version = Number(m[1]);
  if (version !== TOKEN_VERSION) return { ok: false, reason: 'UNSUPPORTED_VERSION' };
  return { ok: true, version, hash: hashToken(token) };
}

/** The token from `Authorization: Bearer …` (or a bare `x-api-key` header). */
export function tokenFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers['authorization'];
  const value = Array.isArray(auth) ? auth[0] : auth;
  if (value) {
    const m = /^Bearer\s+(\S+)$/i.exec(value.trim());
    return m ? m[1] : value.trim();
  }
  const key = headers['x-api-key'];
  return (Array.isArray(key) ? key[0] : key) || undefined;
}
