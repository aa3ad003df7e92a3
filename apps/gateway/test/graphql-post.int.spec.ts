/**
 * POST /graphql's path before the Express router (src/http/graphql-post.ts): which requests take it, and that each
 * answer — status, media type, body, request id — is the one the Express route gives. The same request is sent
 * with a Content-Length (the fast path) and chunked (Express), and the two answers compared.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTenant, startHarness, type Harness } from './harness';

let h: Harness;
let token: string;
let revoked: string;
let viaExpress = 0;

beforeAll(async () => {
  h = await startHarness({ limits: { maxGraphqlBodyBytes: 4_096 } });
  token = (await makeTenant(h.services, 'fast-path')).token;
  const r = await makeTenant(h.services, 'fast-path-revoked');
  revoked = r.token;
  await h.services.apiKeys.revoke(r.tenant.id, r.key.id);
  const app = h.http.app as unknown as { handle: (...args: unknown[]) => unknown };
  const handle = app.handle;
  app.handle = function (this: unknown, ...args: unknown[]) {
    viaExpress++;
    return handle.apply(this, args);
  };
});

afterAll(() => h?.close());

interface Answer {
  status: number;
  type: string | undefined;
  requestId: string | undefined;
  cacheControl: string | undefined;
  body: string;
  express: boolean;
}

/** POST /graphql over node:http: with a Content-Length, or chunked (no length: the request is Express's). */
function post(body: string | Buffer, headers: Record<string, string>, chunked = false, path = '/graphql'): Promise<Answer> {
  const before = viaExpress;
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            requestId: res.headers['x-request-id'] as string | undefined,
            cacheControl: res.headers['cache-control'],
            body: Buffer.concat(chunks).toString('utf8'),
            express: viaExpress > before,
          }),
        );
      },
    );
    req.on('error', reject);
    if (chunked) req.write(body);
    req.end(chunked ? undefined : body);
  });
}

const JSON_CT = { 'content-type': 'application/json' };
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const ME = JSON.stringify({ query: '{ me { tenantId scopes } }' });

async function both(body: string | Buffer, headers: Record<string, string>) {
  const fast = await post(body, headers);
  const slow = await post(body, headers, true);
  expect(slow.express).toBe(true);
  return { fast, slow };
}

describe('POST /graphql before the router', () => {
  // Headers are built when each test runs (the keys exist only after beforeAll).
  const withKey = (extra: Record<string, string> = {}) => () => ({ ...JSON_CT, ...auth(token), ...extra });
  const cases: [string, string | Buffer, () => Record<string, string>][] = [
    ['a query with a key', ME, withKey()],
    ['a query with a key, graphql-response+json', ME, withKey({ accept: 'application/graphql-response+json' })],
    ['no key (UNAUTHENTICATED on a field)', ME, () => JSON_CT],
    ['a revoked key', ME, () => ({ ...JSON_CT, ...auth(revoked) })],
    ['a malformed key', ME, () => ({ ...JSON_CT, authorization: 'Bearer rd_live_nope' })],
    ['bad JSON', '{"query": ', withKey()],
    ['JSON that is not an object', '"{ me { tenantId } }"', withKey()],
    ['a number', '  42', withKey()],
    ['a batch (array)', `[${ME}]`, withKey()],
    ['no query', '{}', withKey()],
    ['a parse error, legacy JSON (200)', JSON.stringify({ query: '{ me {' }), withKey({ accept: 'application/json' })],
    ['a parse error, graphql-response+json (400)', JSON.stringify({ query: '{ me {' }), withKey({ accept: 'application/graphql-response+json' })],
    ['a validation error', JSON.stringify({ query: '{ nope }' }), withKey()],
    ['a NUL in a variable', JSON.stringify({ query: 'query($id: ID!) { segmentation(id: $id) { id } }', variables: { id: 'a\u0000' } }), withKey()],
    ['a leading BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ME)]), withKey()],
    ['charset=utf-8', ME, withKey({ 'content-type': 'application/json; charset=utf-8' })],
    ['an unacceptable Accept', ME, withKey({ accept: 'text/html' })],
    ['a mutation', JSON.stringify({ query: 'mutation { cancelSegmentation(id: "x") { id } }' }), withKey()],
  ];
  it.each(cases)('answers %s as the Express route does', async (_what, body, headers) => {
    const { fast, slow } = await both(body, headers());
    expect(fast.express).toBe(false);
    expect({ ...fast, requestId: undefined, express: undefined }).toEqual({ ...slow, requestId: undefined, express: undefined });
    expect(fast.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers with the data', async () => {
    const r = await post(ME, withKey()());
    expect(r.express).toBe(false);
    expect(JSON.parse(r.body)).toEqual({ data: { me: { tenantId: expect.any(String), scopes: ['READ', 'SEGMENT'] } } });
    expect([r.status, r.type, r.cacheControl]).toEqual([200, 'application/json; charset=utf-8', 'no-store']);
  });

  it('keeps a valid x-request-id and replaces an invalid one', async () => {
    expect((await post(ME, { ...JSON_CT, ...auth(token), 'x-request-id': 'req-1.a_b' })).requestId).toBe('req-1.a_b');
    const bad = await post(ME, { ...JSON_CT, ...auth(token), 'x-request-id': 'no spaces please' });
    expect(bad.express).toBe(false);
    expect(bad.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('leaves everything else to Express: other media types, charsets, encodings, paths, empty and oversize bodies', async () => {
    const others: [string | Buffer, Record<string, string>, string?][] = [
      [ME, { 'content-type': 'text/plain', ...auth(token) }], // CSRF prevention answers it
      [ME, { 'content-type': 'application/json; charset=latin1', ...auth(token) }],
      [ME, { 'content-type': 'application/graphql-response+json', ...auth(token) }],
      [ME, { ...JSON_CT, 'content-encoding': 'gzip', ...auth(token) }],
      ['', { ...JSON_CT, ...auth(token) }],
      [JSON.stringify({ query: `{ me { tenantId } } ${' '.repeat(5_000)}` }), { ...JSON_CT, ...auth(token) }],
      [ME, { ...JSON_CT, ...auth(token) }, '/graphql?x=1'],
      [ME, { ...JSON_CT, ...auth(token) }, '/graphql/'],
    ];
    const statuses: number[] = [];
    for (const [body, headers, path] of others) {
      const r = await post(body, headers, false, path);
      expect(r.express).toBe(true);
      statuses.push(r.status);
    }
    expect(statuses).toEqual([400, 415, 400, 400, 400, 413, 200, 200]);
  });
});
