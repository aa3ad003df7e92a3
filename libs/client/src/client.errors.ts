/**
 * Typed errors: every failure the client reports is a RefdiffError whose `code` is one of the gateway's error codes
 * (docs/gateway.md, "Limits and errors"), one of GraphQL's request errors, or NETWORK when the gateway could not be
 * reached or the socket failed.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'IMAGE_TOO_LARGE',
  'INTERNAL_SERVER_ERROR',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'NETWORK',
] as const;

export type RefdiffErrorCode = (typeof ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

export class RefdiffError extends Error {
  override readonly name = 'RefdiffError';
  constructor(
    readonly code: RefdiffErrorCode,
    message: string,
    /** The HTTP status, when the error came with one. */
    readonly status?: number,
    /** The error's other safe fields (`limit`, `retryAfterSeconds`, `issues`, …). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isRefdiffError(err: unknown, code?: RefdiffErrorCode): err is RefdiffError {
  return err instanceof RefdiffError && (code === undefined || err.code === code);
}

/** A code as the gateway sent it; an unknown one (a newer gateway) reads as INTERNAL_SERVER_ERROR. */
export function toCode(code: unknown): RefdiffErrorCode {
  return typeof code === 'string' && KNOWN.has(code) ? (code as RefdiffErrorCode) : 'INTERNAL_SERVER_ERROR';
}

/** The first error of a GraphQL response (or of a REST body `{ error: { code, message, … } }`). */
export function fromGraphQLErrors(
  errors: readonly { message: string; extensions?: Record<string, unknown> }[],
  status?: number,
): RefdiffError {
  const [first] = errors;
  const { code, ...details } = first?.extensions ?? {};
  return new RefdiffError(toCode(code), first?.message ?? 'unknown error', status, details);
}
