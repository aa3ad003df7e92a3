/**
 * The gateway's HTTP surface: Express 5 with Apollo Server 5 at /graphql (CSRF prevention on, graphql-armor depth,
 * cost, alias, token and directive limits, JSON bodies capped), the image upload and download routes, and health probes.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { makeExecutableSchema } from '@graphql-tools/schema';
import express from 'express';
import { GraphQLError } from 'graphql';
import { tokenFromHeaders } from '../auth/api-key.token';
import { GatewayError, HTTP_STATUS } from '../common/gateway.errors';
import { createLoaders, type GraphQLContext } from '../graphql/context';
import { createFormatError, errorLoggingPlugin } from '../graphql/format-error';
import { noStorePlugin } from '../graphql/no-store';
import { stringInputPlugin } from '../graphql/string-inputs';
import { anonymousIntrospectionPlugin, type IntrospectionMode } from '../graphql/introspection';
import { GRAPHQL_RESPONSE_JSON, LEGACY_JSON, legacyJsonStatusPlugin } from '../graphql/legacy-json-status';
import { resolvers } from '../graphql/resolvers';
import type { Services } from '../services';
import { graphqlPostFastPath } from './graphql-post';
import { imageDownloadRouter } from './image-download.route';
import { attachSubscriptions, type SubscriptionLimits, type SubscriptionServer } from './subscriptions';
import { sendError, uploadRouter } from './upload.route';

export const typeDefs = readFileSync(new URL('../graphql/schema.graphql', import.meta.url), 'utf8');
/** The web pages (apps/web, built by `npm run build -w @refdiff/web`; docs/web.md), served at `/` on the API's origin. */
export const webDist = fileURLToPath(new URL('../../../web/dist', import.meta.url));
const WEB_CSP = "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface HttpLimits {
  /** POST /v1/images body cap (a tenant's own maxImageBytes applies below it). */
  maxUploadBytes: number;
  /** /graphql JSON body cap. */
  maxGraphqlBodyBytes: number;
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
}

export const defaultHttpLimits: HttpLimits = {
  maxUploadBytes: 25 * 1024 * 1024,
  maxGraphqlBodyBytes: 256 * 1024,
  maxDepth: 10,
  maxCost: 5_000,
  maxAliases: 15,
  maxTokens: 2_000,
};

export interface HttpOptions {
  /**
   * Answer introspection queries (the schema, admin operations included): true/'on', false/'off', or
   * 'authenticated' (only with an API key); config.introspection.
   */
  introspection: boolean | IntrospectionMode;
  /** WebSocket subscriptions (http/subscriptions.ts). */
  subscriptions?: Partial<SubscriptionLimits>;
  /** GET /metrics requires `Authorization: Bearer <this>` when set (METRICS_TOKEN); open when null/absent. */
  metricsToken?: string | null;
}

export interface GatewayHttp {
  app: express.Express;
  server: http.Server;
  apollo: ApolloServer<GraphQLContext>;
  subscriptions: SubscriptionServer;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export async function createHttpApp(
  services: Services,
  limits: HttpLimits = defaultHttpLimits,
  options: HttpOptions = { introspection: true },
): Promise<GatewayHttp> {
  const app = express();
  app.disable('x-powered-by');
  // No weak ETag hashed over every JSON answer (GraphQL results, REST replies): they are per-request data no client
  // revalidates. Image downloads set their own strong ETag (the sha256) and the web pages get serve-static's.
  app.set('etag', false);
  // POST /graphql's common case skips the router (graphql-post.ts); every other request is Express's.
  let graphqlPost: (req: http.IncomingMessage, res: http.ServerResponse) => boolean = () => false;
  const server = http.createServer((req, res) => {
    if (!graphqlPost(req, res)) app(req, res);
  });
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    costLimit: { maxCost: limits.maxCost },
    maxAliases: { n: limits.maxAliases },
    // The token limit is graphql-js's own (parseOptions below): armor's version throws from a plugin hook, which
    // Apollo answers as an unexpected 500 instead of the parse failure (400 GRAPHQL_PARSE_FAILED) it is.
    maxTokens: { enabled: false },
    maxDirectives: { n: 20 },
    blockFieldSuggestion: { enabled: true },
  });
  const protection = armor.protect();
  const schema = makeExecutableSchema({ typeDefs, resolvers: resolvers as never });
  const formatError = createFormatError(services.logger.child({ component: 'graphql' }));
  const subscriptions = attachSubscriptions(server, schema, services, {
    validationRules: protection.validationRules,
    maxTokens: limits.maxTokens,
    formatError,
    limits: options.subscriptions,
  });
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    ...protection,
    plugins: [
      ...protection.plugins,
      stringInputPlugin(),
      ...(options.introspection === 'authenticated' ? [anonymousIntrospectionPlugin()] : []),
      legacyJsonStatusPlugin(),
      errorLoggingPlugin(),
      ApolloServerPluginCacheControlDisabled(),
      noStorePlugin(),
      // On shutdown, requests still open after 3 s (long polls, slow uploads) are cut: the whole stop has a deadline.
      ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: 3_000 }),
      // WebSocket connections are not the HTTP server's to drain: close them first (1001) so stopping never waits on them.
      { serverWillStart: async () => ({ drainServer: () => subscriptions.dispose() }) },
    ],
    validationRules: [...protection.validationRules],
    parseOptions: { maxTokens: limits.maxTokens },
    formatError,
    csrfPrevention: true,
    introspection: options.introspection === true || options.introspection === 'on' || options.introspection === 'authenticated',
    // `refdiff serve` owns SIGINT/SIGTERM (one orderly shutdown: HTTP, dispatcher, workers); Apollo's own handler
    // would stop the server and re-raise the signal before that cleanup runs, orphaning the local worker.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const assignRequestId = (req: express.Request, res: express.Response) => {
    const id = req.header('x-request-id');
    res.locals.requestId = id && /^[\w.-]{1,100}$/.test(id) ? id : randomUUID();
    res.setHeader('x-request-id', res.locals.requestId);
  };
  app.use((req, res, next) => {
    assignRequestId(req, res);
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await services.db.prisma.$queryRaw`SELECT 1`;
      res.json({ ok: true, workers: services.pool?.state().filter((w) => w.healthy).length ?? null });
    } catch {
      res.status(503).json({ ok: false });
    }
  });
  // Prometheus metrics (docs/gateway.md, "Metrics"): tenant ids and counts, never names; METRICS_TOKEN guards it.
  const metricsToken = options.metricsToken ? Buffer.from(options.metricsToken) : null;
  app.get('/metrics', async (req, res) => {
    if (metricsToken) {
      const given = Buffer.from(/^Bearer (.+)$/i.exec(req.header('authorization') ?? '')?.[1] ?? '');
      if (given.length !== metricsToken.length || !timingSafeEqual(given, metricsToken)) {
        res.status(401).setHeader('www-authenticate', 'Bearer').type('text/plain').send('metrics need the METRICS_TOKEN bearer token\n');
        return;
      }
    }
    try {
      const text = await services.metrics.registry.metrics();
      res.setHeader('content-type', services.metrics.registry.contentType);
      res.send(text);
    } catch (err) {
      services.logger.warn({ err }, 'metrics scrape failed');
      res.status(503).type('text/plain').send('metrics unavailable (database unreachable?)\n');
    }
  });
  app.use(uploadRouter(services, limits.maxUploadBytes));
  app.use(imageDownloadRouter(services));
  const graphqlContext = async ({ req, res }: { req: express.Request; res: express.Response }): Promise<GraphQLContext> => {
    const requestId = String(res.locals.requestId);
    const logger = services.logger.child({ requestId });
    const controller = new AbortController();
    // Aborted when the client goes away before the answer is sent (a long poll then stops waiting). Not after a
    // normal answer: abort() builds a DOMException with a stack, ≈ 1 % of the gateway's CPU when done every time.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    // Same negotiation as Apollo's (negotiator, application/json first on a tie or without Accept).
    const responseMediaType = req.accepts([LEGACY_JSON, GRAPHQL_RESPONSE_JSON]) || undefined;
    try {
      const principal = await services.auth.authenticate(tokenFromHeaders(req.headers));
      if (principal) services.metrics.countRequest(principal.tenantId, 'graphql');
      if (principal) services.rateLimiter.take(principal.tenantId, principal.limits.rateLimitPerMinute);
      return {
        principal,
        services,
        logger,
        requestId,
        signal: controller.signal,
        responseMediaType,
        loaders: createLoaders(services, principal),
      };
    } catch (err) {
      if (err instanceof GatewayError) {
        throw new GraphQLError(err.message, {
          extensions: { code: err.code, ...err.details, http: { status: HTTP_STATUS[err.code] } },
        });
      }
      throw err;
    }
  };
  app.use('/graphql', express.json({ limit: limits.maxGraphqlBodyBytes }), expressMiddleware(apollo, { context: graphqlContext }));
  app.use('/graphql', (err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
    sendError(res, err, services),
  );
  graphqlPost = graphqlPostFastPath({
    app,
    apollo,
    maxBodyBytes: limits.maxGraphqlBodyBytes,
    before: assignRequestId,
    context: graphqlContext,
    onError: (res, err) => sendError(res, err, services),
  });
  // Static pages (hash-routed, so no SPA fallback is needed); the CSP keeps every page request on this origin.
  app.use(express.static(webDist, { setHeaders: (res) => res.setHeader('Content-Security-Policy', WEB_CSP) }));
  app.get('/', (_req, res) => {
    res.status(503).type('text/plain').send('The web pages are not built: run `npm run build -w @refdiff/web` (docs/web.md).\n');
  });

  return {
    app,
    server,
    apollo,
    subscriptions,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : port);
        });
      }),
    close: async () => {
      await apollo.stop();
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
