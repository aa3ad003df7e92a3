import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { GatewayError } from '../common/gateway.errors';
import type { GraphQLContext } from './context';

/** Codes Apollo and graphql-js themselves produce for malformed requests; passed through as they are. */
export const APOLLO_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** The error a resolver threw, under graphql-js's and Apollo's wrappers (duck-typed: no instanceof across copies). */
function unwrapResolverError(error: unknown): unknown {
  let e = error;
  for (let i = 0; i < 5 && !(e instanceof GatewayError); i++) {
    const inner = (e as { originalError?: unknown } | null)?.originalError;
    if (!inner) break;
    e = inner;
  }
  return e;
}

/** Whether an error is one the client is meant to see (a GatewayError, or a GraphQLError raised with a code). */
function expectedCode(error: unknown): string | null {
  const original = unwrapResolverError(error);
  if (original instanceof GatewayError) return original.code;
  const code = (error as { extensions?: { code?: unknown } })?.extensions?.code;
  if (typeof code === 'string' && (APOLLO_CODES.has(code) || code !== 'INTERNAL_SERVER_ERROR')) return code;
  return null;
}

/**
 * The one place GraphQL errors get their `extensions.code`: GatewayErrors carry theirs (plus safe details),
 * Apollo's request errors and GraphQLErrors raised with a code on purpose (the context's UNAUTHENTICATED /
 * RATE_LIMITED) keep theirs, and anything else is masked as INTERNAL_SERVER_ERROR (logged by the plugin below
 * with the request id; here only when there is no request context).
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
    if (expectedCode(formatted) !== null) {
      // The HTTP status hint and any stack trace are not part of the response.
      const { http: _http, stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    if (!(error as { __logged?: boolean })?.__logged) logger.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL operation');
    return {
      message: 'internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** Logs unexpected errors with the request's logger (request id, tenant) before they are masked. */
export function errorLoggingPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          if (!contextValue?.logger) return;
          for (const e of errors) {
            if (expectedCode(e) !== null) continue;
            contextValue.logger.error(
              { err: unwrapResolverError(e), path: e.path, tenantId: contextValue.principal?.tenantId },
              'unexpected error in a GraphQL operation',
            );
            (e as unknown as { __logged?: boolean }).__logged = true;
          }
        },
      };
    },
  };
}
