/**
 * graphql-http's server audit (the GraphQL-over-HTTP spec's MUST / SHOULD / MAY checks) against the gateway's
 * /graphql on the real PostgreSQL. The counts are asserted exactly: a new warning or notice fails the test. The
 * remaining notices are deliberate (docs/gateway.md, "GraphQL over HTTP"): simple GET requests are refused by
 * Apollo's CSRF prevention unless they carry a preflight header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditGraphqlHttp, DELIBERATE_NOTICES } from './graphql-http-audit';
import { gql, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

describe('GraphQL over HTTP: graphql-http server audit', () => {
  it('passes every MUST and SHOULD (0 errors, 0 warnings); the only notices are the documented CSRF ones', async () => {
    const audit = await auditGraphqlHttp(`${h.url}/graphql`);
    expect(audit.total).toBeGreaterThan(50);
    expect(audit.errors).toEqual([]);
    expect(audit.warnings).toEqual([]);
    expect(audit.notices).toEqual(DELIBERATE_NOTICES);
  }, 60_000);

  it('request errors: 400 with application/graphql-response+json, 200 with legacy application/json; HTTP-level errors keep their status', async () => {
    const post = (accept: string | null, body: unknown, token: string | null = null) =>
      fetch(`${h.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as any }));
    const bad = [
      [{ query: '{' }, 'GRAPHQL_PARSE_FAILED'],
      [{ query: '{ nope }' }, 'GRAPHQL_VALIDATION_FAILED'],
      [{ query: 'query($id: ID!) { image(id: $id) { id } }', variables: { id: {} } }, 'BAD_USER_INPUT'],
    ] as const;
    for (const [body, code] of bad) {
      const modern = await post('application/graphql-response+json', body);
      expect([modern.status, modern.type, modern.body.errors[0].extensions.code]).toEqual([400, expect.stringContaining('graphql-response+json'), code]);
      for (const accept of ['application/json', null, '*/*']) {
        const legacy = await post(accept, body);
        expect([legacy.status, legacy.type, legacy.body.errors[0].extensions.code]).toEqual([200, expect.stringContaining('application/json'), code]);
        expect('data' in legacy.body).toBe(false);
      }
    }
    // Not request errors: a bad key is 401 whatever the media type; a resolver error is 200 with data null.
    expect((await post('application/json', { query: '{ me { tenantId } }' }, 'rd_live_v1_nope')).status).toBe(401);
    const anon = await gql(h.url, null, '{ me { tenantId } }');
    expect([anon.status, anon.errors?.[0].extensions?.code]).toEqual([200, 'UNAUTHENTICATED']);
  });
});
