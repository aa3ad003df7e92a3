import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { GatewayError } from '../common/gateway.errors';

/** Codes Apollo and graphql-js themselves produce for malformed requests; passed through as they are. */
const APOLLO_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * The one place GraphQL errors get their `extensions.code`: GatewayErrors carry theirs (plus safe details),
 * Apollo's request errors keep theirs, and anything else is masked as INTERNAL_SERVER_ERROR and logged.
 */
export function createFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof GatewayError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: original.code, ...original.details },
      };
    }
    const code = formatted.extensions?.code;
    // Errors raised as GraphQLErrors with a code on purpose (Apollo's request errors, the context's
    // UNAUTHENTICATED / RATE_LIMITED) keep it; the HTTP status hint is not part of the response.
    if (typeof code === 'string' && (APOLLO_CODES.has(code) || code !== 'INTERNAL_SERVER_ERROR')) {
      const { http: _http, stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL operation');
    return {
      message: 'internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
