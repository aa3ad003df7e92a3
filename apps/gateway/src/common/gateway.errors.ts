/**
 * The gateway's domain errors. Every failure a client can see carries one of these codes; this file is the one place
 * that maps them to GraphQL `extensions.code` (the code itself) and to HTTP statuses (the REST upload route, and
 * GraphQL-over-HTTP responses that fail before execution). Anything else is masked as INTERNAL_SERVER_ERROR.
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
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  // Not 429: waiting does not free storage or reset a monthly quota, and clients retry 429 (with or without
  // Retry-After). 403: this request is refused until the tenant frees space or its quota is raised.
  QUOTA_EXCEEDED: 403,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IMAGE_TOO_LARGE: 413,
  INTERNAL_SERVER_ERROR: 500,
});

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Safe, client-visible details (limits, retry hints). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) => new GatewayError('NOT_FOUND', `${what} ${id} not found`);
export const badInput = (message: string, details: Record<string, unknown> = {}) =>
  new GatewayError('BAD_USER_INPUT', message, details);

/** The JSON body the REST routes answer errors with. */
export function errorBody(err: GatewayError): { error: { code: ErrorCode; message: string } & Record<string, unknown> } {
  return { error: { code: err.code, message: err.message, ...err.details } };
}
