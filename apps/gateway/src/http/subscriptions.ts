/**
 * GraphQL subscriptions over WebSocket (the GraphQL over WebSocket protocol, `graphql-transport-ws`, served by
 * graphql-ws on a `ws` server sharing the HTTP server and the /graphql path). The API key comes in the
 * connection_init payload (`{ authorization: 'Bearer rd_live_…' }`) and is checked by the same AuthService as HTTP
 * requests — again at each subscribe, so a revoked key cannot start new ones. Only subscription operations are
 * served here (queries and mutations go through POST /graphql with its plugins). The same parse and validation
 * limits as HTTP apply; errors get their `extensions.code` from the same formatError.
 *
 * Heartbeat: the server pings every keepAliveMs and drops a connection whose pong has not come back by the next.
 *
 * Close codes: 4401 no or bad API key in connection_init (the reason says why), 4408 no connection_init in time,
 * 1001 the server is shutting down. Per connection at most maxSubscriptionsPerConnection operations run at once, per
 * tenant and replica at most FeedSettings.maxSubscriptionsPerTenant (beyond: an error with RATE_LIMITED).
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import { GraphQLError, getOperationAST, parse, specifiedRules, validate, type ExecutionArgs } from 'graphql';
import { CloseCode, type Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { GatewayError } from '../common/gateway.errors';
import { createLoaders, type GraphQLContext } from '../graphql/context';
import { findNulInput } from '../graphql/string-inputs';
import type { Services } from '../services';

export interface SubscriptionLimits {
  /** Operations one connection may run at once. */
  maxSubscriptionsPerConnection: number;
  /** ws ping interval; a connection that has not answered the previous ping within it is dropped. */
  keepAliveMs: number;
  /** Largest message a client may send. */
  maxMessageBytes: number;
}

export const defaultSubscriptionLimits: SubscriptionLimits = {
  maxSubscriptionsPerConnection: 20,
  keepAliveMs: 15_000,
  maxMessageBytes: 64 * 1024,
};

/** What a connection keeps between messages. */
interface ConnectionState {
  token: string;
  connectionId: string;
  active: number;
  /** Aborted when the socket closes. */
  closed: AbortController;
}

type Extra = { socket: WebSocket; request: http.IncomingMessage; state?: ConnectionState };

export interface SubscriptionServer {
  /** Closes every connection (1001 Going away) and stops accepting new ones. */
  dispose(): Promise<void>;
  connections(): number;
}

function tokenFromParams(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  for (const key of ['authorization', 'Authorization', 'apiKey', 'x-api-key']) {
    const v = params[key];
    if (typeof v === 'string' && v.trim()) {
      const m = /^Bearer\s+(\S+)$/i.exec(v.trim());
      return m ? m[1] : v.trim();
    }
  }
  const headers = params['headers'];
  if (headers && typeof headers === 'object') return tokenFromParams(headers as Record<string, unknown>);
  return undefined;
}

export function attachSubscriptions(
  server: http.Server,
  schema: GraphQLSchema,
  services: Services,
  options: {
    validationRules: readonly ValidationRule[];
    maxTokens: number;
    formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
    limits?: Partial<SubscriptionLimits>;
  },
): SubscriptionServer {
  const limits = { ...defaultSubscriptionLimits, ...options.limits };
  const logger = services.logger.child({ component: 'subscriptions' });
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: limits.maxMessageBytes });
  const rules = [...specifiedRules, ...options.validationRules];
  // Errors graphql-js raises itself before running a resolver (variables that do not coerce) carry no code and no
  // original error: they are the request's fault, BAD_USER_INPUT as Apollo says over HTTP.
  const format = (errors: readonly GraphQLError[]) =>
    errors.map((e) => {
      const err = !e.originalError && !e.extensions?.code ? new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } }) : e;
      return options.formatError(err.toJSON(), err);
    });
  const fail = (code: string, message: string) => [new GraphQLError(message, { extensions: { code } })];

  const handle = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx: WsContext<Record<string, unknown>, Extra>) => {
        const token = tokenFromParams(ctx.connectionParams);
        const close = (message: string) => {
          ctx.extra.socket.close(4401, message.slice(0, 120));
          return false;
        };
        if (!token) return close('UNAUTHENTICATED: send the API key in connection_init { authorization: "Bearer …" }');
        try {
          const principal = await services.auth.authenticate(token);
          if (!principal) return close('UNAUTHENTICATED');
        } catch (err) {
          if (err instanceof GatewayError) return close(`${err.code}: ${err.message}`);
          logger.error({ err }, 'authenticating a WebSocket connection failed');
          ctx.extra.socket.close(CloseCode.InternalServerError, 'internal server error');
          return false;
        }
        const closed = new AbortController();
        ctx.extra.socket.once('close', () => closed.abort());
        ctx.extra.state = { token, connectionId: randomUUID(), active: 0, closed };
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const state = ctx.extra.state as ConnectionState;
        if (state.active >= limits.maxSubscriptionsPerConnection) {
          return fail('RATE_LIMITED', `at most ${limits.maxSubscriptionsPerConnection} subscriptions per connection`);
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: options.maxTokens });
        } catch (err) {
          return fail('GRAPHQL_PARSE_FAILED', err instanceof GraphQLError ? err.message : 'syntax error');
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) {
          return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return fail('BAD_REQUEST', 'could not identify the operation (give operationName)');
        if (operation.operation !== 'subscription') {
          return fail('BAD_REQUEST', 'only subscriptions are served over WebSocket; send queries and mutations to POST /graphql');
        }
        const nul = findNulInput(document, payload.variables ?? undefined);
        if (nul !== null) return fail('BAD_USER_INPUT', `${nul} contains a NUL character (U+0000)`);
        let principal;
        try {
          principal = await services.auth.authenticate(state.token);
          if (principal) services.rateLimiter.take(principal.tenantId, principal.limits.rateLimitPerMinute);
        } catch (err) {
          if (err instanceof GatewayError) return [new GraphQLError(err.message, { originalError: err })];
          throw err;
        }
        const requestId = randomUUID();
        const contextValue: GraphQLContext = {
          principal,
          services,
          logger: logger.child({ requestId, connectionId: state.connectionId, tenantId: principal?.tenantId }),
          requestId,
          signal: state.closed.signal,
          loaders: createLoaders(services, principal),
        };
        state.active++;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        } satisfies ExecutionArgs;
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return undefined;
        return { ...result, errors: format(result.errors) } as never;
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onComplete: (ctx) => {
        const state = ctx.extra.state;
        if (state) state.active = Math.max(0, state.active - 1);
      },
    },
    wss,
    limits.keepAliveMs,
  );

  return {
    dispose: async () => {
      // graphql-ws closes each connection with 1001 and waits for the close handshakes; a client that never answers
      // is cut off after a moment rather than holding the shutdown for ws's 30 s close timeout.
      const cutoff = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, 2_000);
      try {
        await handle.dispose();
      } finally {
        clearTimeout(cutoff);
      }
    },
    connections: () => wss.clients.size,
  };
}
