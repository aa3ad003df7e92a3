/**
 * GraphQL over HTTP (graphql.github.io/graphql-over-http) keys status codes on the response media type. With
 * `application/graphql-response+json` a request error (the document does not parse, does not validate, or its
 * variables do not coerce) is 4xx — Apollo's 400, kept. With the legacy `application/json` the server SHOULD answer
 * 200 for every well-formed request, because legacy clients and proxies treat a 4xx body as opaque; Apollo answers
 * 400 there too (graphql-http's audit warns 572B, FDE2, 7B9B). This plugin answers 200 in that case only, so a
 * client asking for `application/graphql-response+json` (the spec's recommendation, and what @refdiff/client sends)
 * still gets 400. Errors that are about HTTP rather than the GraphQL request keep their status in both: 401
 * UNAUTHENTICATED, 429 RATE_LIMITED, 413, 415, the CSRF 400 (docs/gateway.md, "GraphQL over HTTP").
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from './context';

export const LEGACY_JSON = 'application/json';
export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';

/** Request errors: raised before execution, about the GraphQL document or its variables. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

export function legacyJsonStatusPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (contextValue.responseMediaType !== LEGACY_JSON) return;
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          // A request error means no execution happened: `data` is absent (not null).
          if (response.body.singleResult.data !== undefined) return;
          if (errors.length > 0 && errors.every((e) => REQUEST_ERROR_CODES.has(String(e.extensions?.code)))) response.http.status = 200;
        },
      };
    },
  };
}
