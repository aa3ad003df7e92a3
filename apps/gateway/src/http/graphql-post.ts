/**
 * POST /graphql without Express's router: the common request — `POST /graphql`, no query string, a JSON body of a
 * declared length within the cap, no Content-Encoding — is answered here before the router walks the app's other
 * routes and body-parser reads the body; everything else (other methods and paths, GET queries, compressed,
 * chunked or empty bodies, other media types or charsets, bodies over the cap) goes through Express as before.
 * Same behaviour as the Express route (`express.json` + `@as-integrations/express5`): the request id, the request
 * and response prototypes (so the context function and `sendError` see Express objects), body-parser's strict JSON
 * (a leading BOM dropped; anything but an object or array, or bad JSON, is the same 400 BAD_USER_INPUT), Apollo's
 * HTTP handling (CSRF prevention, content negotiation, status codes) and the response through `res.send`. It saves
 * the router's and body-parser's CPU — ≈ 6 % of the gateway's in the platform bench's profile.
 */
import type http from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type express from 'express';

/** What a request must look like to take this path; anything else falls through to Express. */
function eligible(req: http.IncomingMessage, maxBodyBytes: number): boolean {
  if (req.method !== 'POST' || req.url !== '/graphql') return false;
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined || (h['content-encoding'] !== undefined && h['content-encoding'] !== 'identity')) return false;
  const length = Number(h['content-length']);
  if (!(length > 0 && length <= maxBodyBytes)) return false;
  const type = h['content-type'];
  return type !== undefined && JSON_TYPE.test(type);
}

/** `application/json`, optionally with a UTF-8 charset: what body-parser reads without inflating or transcoding. */
const JSON_TYPE = /^\s*application\/json\s*(?:;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*)?$/i;

/** A body-parser-like error: `sendError` answers any 4xx as 400 BAD_USER_INPUT "malformed request body". */
const malformed = (type: string) => Object.assign(new SyntaxError('malformed JSON body'), { status: 400, statusCode: 400, type, expose: true });

function parseStrictJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let i = 0;
  while (i < body.length && (body[i] === ' ' || body[i] === '\t' || body[i] === '\n' || body[i] === '\r')) i++;
  const first = body[i];
  if (first !== '{' && first !== '[') throw malformed('entity.parse.failed');
  try {
    return JSON.parse(body);
  } catch {
    throw malformed('entity.parse.failed');
  }
}

export interface GraphqlPostOptions<T extends BaseContext> {
  app: express.Express;
  apollo: ApolloServer<T>;
  maxBodyBytes: number;
  /** the app-level middleware every request passes first (the request id) */
  before: (req: express.Request, res: express.Response) => void;
  context: (args: { req: express.Request; res: express.Response }) => Promise<T>;
  onError: (res: express.Response, err: unknown) => void;
}

/** Returns a handler that answers eligible requests and returns true, or returns false without touching the request. */
export function graphqlPostFastPath<T extends BaseContext>(o: GraphqlPostOptions<T>) {
  const reqProto = o.app.request;
  const resProto = o.app.response;
  return (rawReq: http.IncomingMessage, rawRes: http.ServerResponse): boolean => {
    if (!eligible(rawReq, o.maxBodyBytes)) return false;
    // What Express's app.handle does before its router (x-powered-by is disabled on the app).
    const req = Object.setPrototypeOf(rawReq, reqProto) as express.Request;
    const res = Object.setPrototypeOf(rawRes, resProto) as express.Response;
    (req as { res?: express.Response }).res = res;
    (res as { req?: express.Request }).req = req;
    res.locals ??= Object.create(null) as Record<string, unknown>;
    o.before(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void answer(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent) o.onError(res, err);
        else res.destroy();
      });
    });
    // An aborted upload has no one to answer (body-parser's 'request.aborted' answer is never read either).
    req.on('error', () => res.destroy());
    return true;
  };

  async function answer(req: express.Request, res: express.Response, text: string): Promise<void> {
    const body = parseStrictJson(text);
    req.body = body;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await o.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: '', body },
      context: () => o.context({ req, res }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status || 200;
    if (response.body.kind === 'complete') {
      res.send(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}
