/**
 * The hostile-input suite, PostgreSQL mode (issue 14): each test sends what an attacker or an unlucky client sent
 * in the probe and fails if the defect comes back — parse failures and token floods (D1), NUL bytes in every kind
 * of string input (D2), malformed ids on admin operations (D3), result data through a SEGMENT-only key (D4),
 * EXIF orientation (D8), corrupt JPEG data (D9), the storage quota's status (D11), introspection in production,
 * and quotas under concurrent calls. Bombs, oversize bodies and cross-tenant ids are in api.int.spec.ts; the same
 * classes against a real `refdiff serve` subprocess (embedded PGlite) are in serve-faults.int.spec.ts.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, gql, makeTenant, startHarness, upload, type Harness } from './harness';
import { pngNoise, pngWithBox } from './images';

let h: Harness;
let a: Awaited<ReturnType<typeof makeTenant>>;
let adminToken: string;
let imageA: string;

const SEGMENT = `mutation($imageId: ID!, $expressions: [String!]!, $key: String) {
  segment(imageId: $imageId, expressions: $expressions, idempotencyKey: $key) { id status expression mask { area } score rootWord error { code } }
}`;

async function post(body: string, token: string | null = a.token) {
  const res = await fetch(`${h.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

beforeAll(async () => {
  h = await startHarness();
  a = await makeTenant(h.services, 'hostile-a');
  const admin = await h.services.tenants.create('hostile-admin');
  adminToken = (await h.services.apiKeys.create(admin.id, 'admin', ['ADMIN', 'READ', 'SEGMENT'])).token;
  imageA = (await upload(h.url, a.token, await pngWithBox(32, 24, [4, 4, 12, 12]))).body.image.id;
});

afterAll(() => h?.close());

describe('D1: unparseable queries', () => {
  it('answers 400 GRAPHQL_PARSE_FAILED for a syntax error and for a query over the token limit (1,000 aliases)', async () => {
    const broken = await post(JSON.stringify({ query: '{' }));
    expect(broken.status).toBe(400);
    expect(broken.body.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');

    const flood = Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ');
    const tokens = await post(JSON.stringify({ query: `{ ${flood} }` }));
    expect(tokens.status).toBe(400);
    expect(tokens.body.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(tokens.body.errors?.[0].message).toMatch(/token/i);
  });
});

describe('D2: NUL bytes in string inputs', () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['an expression (variable)', SEGMENT, { imageId: '', expressions: ['the cat', 'a\u0000b'] }, 'expressions[1]'],
    ['an idempotency key', SEGMENT, { imageId: '', expressions: ['the cat'], key: 'k\u0000' }, 'idempotencyKey'],
    ['an expression (literal)', 'mutation($imageId: ID!) { segment(imageId: $imageId, expressions: ["x\\u0000y"]) { id } }', { imageId: '' }, 'expressions[0]'],
    ['an image id', 'query { image(id: "\\u0000") { id } }', {}, 'id'],
    ['a cursor', 'query($c: String) { segmentations(after: $c) { totalCount } }', { c: 'a\u0000' }, 'after'],
  ];
  for (const [what, query, vars, field] of cases) {
    it(`refuses ${what} holding U+0000 with BAD_USER_INPUT naming ${field}, writing nothing`, async () => {
      const before = await h.db.prisma.segmentationRequest.count();
      const r = await gql(h.url, a.token, query, { ...vars, ...('imageId' in vars ? { imageId: imageA } : {}) });
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].extensions?.field).toBe(field);
      expect(r.errors![0].message).toContain(field);
      expect(await h.db.prisma.segmentationRequest.count()).toBe(before);
    });
  }

  it('refuses NUL in admin inputs (key name, tenant name) the same way', async () => {
    const key = await gql(h.url, adminToken, 'mutation($t: ID!, $n: String!) { createApiKey(tenantId: $t, name: $n) { token } }', {
      t: a.tenant.id,
      n: 'ci\u0000',
    });
    expect(codes(key)).toEqual(['BAD_USER_INPUT']);
    expect(key.errors![0].extensions?.field).toBe('name');
    const tenant = await gql(h.url, adminToken, 'mutation { createTenant(name: "x\\u0000") { id } }');
    expect(codes(tenant)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('D3: admin operations with malformed ids', () => {
  it('answers NOT_FOUND (never a 500) for tenant, createApiKey, revokeApiKey and updateTenantQuotas', async () => {
    const ops: [string, Record<string, unknown>][] = [
      ['query($id: ID!) { tenant(id: $id) { id } }', { id: 'abc' }],
      ['mutation($id: ID!) { createApiKey(tenantId: $id, name: "x") { token } }', { id: 'abc' }],
      ['mutation($id: ID!) { revokeApiKey(tenantId: $id, id: $id) { id } }', { id: 'abc' }],
      ['mutation($t: ID!) { revokeApiKey(tenantId: $t, id: "zzz") { id } }', { t: a.tenant.id }],
      ['mutation($id: ID!) { updateTenantQuotas(tenantId: $id, quotas: { rateLimitPerMinute: 5 }) { id } }', { id: "1'; DROP TABLE tenants; --" }],
    ];
    for (const [q, v] of ops) {
      const r = await gql(h.url, adminToken, q, v);
      expect(codes(r), q).toEqual(['NOT_FOUND']);
    }
  });
});

describe('D4: a SEGMENT-only key reads no results', () => {
  it('gets FORBIDDEN (and null) for result fields through cancelSegmentation and an idempotent replay of segment', async () => {
    const seg = await h.services.apiKeys.create(a.tenant.id, 'uploader', ['SEGMENT']);
    const queued = await gql(h.url, seg.token, 'mutation($i: ID!) { segment(imageId: $i, expressions: ["the box"], idempotencyKey: "d4") { id status } }', {
      i: imageA,
    });
    expect(queued.errors).toBeUndefined();
    const id = queued.data!.segment[0].id as string;
    // The request finishes (what the dispatcher writes).
    await h.db.prisma.segmentationRequest.update({
      where: { id },
      data: { status: 'SUCCEEDED', maskRle: { size: [24, 32], counts: '0' }, maskBox: [4, 4, 11, 11], maskArea: 64, score: 0.9, rootWord: 'box', gpuMs: 12, worker: 'w1', finishedAt: new Date() },
    });
    const RESULT = 'id status mask { area box } score rootWord gpuMs worker timingsMs scores attentionMapPng error { code } finishedAt';
    const replay = await gql(h.url, seg.token, `mutation($i: ID!) { segment(imageId: $i, expressions: ["the box"], idempotencyKey: "d4") { ${RESULT} } }`, {
      i: imageA,
    });
    const cancel = await gql(h.url, seg.token, `mutation($id: ID!) { cancelSegmentation(id: $id) { ${RESULT} } }`, { id });
    for (const [r, row] of [
      [replay, replay.data?.segment[0]],
      [cancel, cancel.data?.cancelSegmentation],
    ] as const) {
      expect(row).toMatchObject({ id, status: 'SUCCEEDED', mask: null, score: null, rootWord: null, gpuMs: null, worker: null, finishedAt: null });
      expect(new Set(codes(r))).toEqual(new Set(['FORBIDDEN']));
    }
    // With READ the same fields are there.
    const read = await gql(h.url, a.token, `query($id: ID!) { segmentation(id: $id) { ${RESULT} } }`, { id });
    expect(read.data!.segmentation).toMatchObject({ mask: { area: 64 }, score: 0.9, rootWord: 'box' });
  });
});

describe('uploads: orientation, corrupt data, quotas', () => {
  it('D8: records the size people see for a JPEG with EXIF orientation 6 (stored 208×102, shown 102×208)', async () => {
    const raw = Buffer.alloc(208 * 102 * 3, 90);
    const jpeg = await sharp(raw, { raw: { width: 208, height: 102, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const r = await upload(h.url, a.token, new Uint8Array(jpeg));
    expect(r.status).toBe(201);
    expect(r.body.image).toMatchObject({ format: 'JPEG', width: 102, height: 208 });
  });

  it('D9: refuses a JPEG whose entropy-coded data is damaged with 400, storing nothing', async () => {
    const raw = Buffer.alloc(208 * 102 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
    const jpeg = Buffer.from(await sharp(raw, { raw: { width: 208, height: 102, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    for (let i = sos + 40; i < jpeg.length - 10; i += 97) jpeg[i] ^= 0x5a;
    const before = await h.db.prisma.image.count();
    const r = await upload(h.url, a.token, new Uint8Array(jpeg));
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT' } } });
    expect(r.body.error.message).toMatch(/corrupt|decode/i);
    expect(await h.db.prisma.image.count()).toBe(before);
  });

  it('D11 under concurrency: 12 uploads at once against room for 5 store exactly 5; the rest get 403 QUOTA_EXCEEDED without Retry-After', async () => {
    const images = await Promise.all(Array.from({ length: 12 }, (_, i) => pngNoise(16, 16, 100 + i)));
    const room = images.slice(0, 5).reduce((n, b) => n + b.length, 0) + 10;
    const t = await makeTenant(h.services, 'hostile-storage', { maxStorageBytes: BigInt(room) });
    // Equal-sized noise images: any 5 fit, no 6 do.
    expect(new Set(images.map((b) => b.length)).size).toBe(1);
    const results = await Promise.all(images.map((b) => upload(h.url, t.token, b)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(r).toMatchObject({ status: 403, retryAfter: null, body: { error: { code: 'QUOTA_EXCEEDED' } } });
    }
    expect(await h.db.prisma.image.count({ where: { tenantId: t.tenant.id } })).toBe(5);
  });

  it('monthly quota under concurrency: 20 calls of 1 expression against a quota of 7 queue exactly 7', async () => {
    const t = await makeTenant(h.services, 'hostile-monthly', { monthlyExpressionQuota: 7 });
    const img = (await upload(h.url, t.token, await pngWithBox(16, 16, [0, 0, 4, 4]))).body.image.id;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => gql(h.url, t.token, SEGMENT, { imageId: img, expressions: [`thing ${i}`] })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(7);
    expect(results.filter((r) => codes(r)[0] === 'QUOTA_EXCEEDED')).toHaveLength(13);
    expect(await h.db.prisma.segmentationRequest.count({ where: { tenantId: t.tenant.id } })).toBe(7);
  });
});

describe('introspection', () => {
  it("with GRAPHQL_INTROSPECTION=authenticated answers a key's introspection and refuses an anonymous one (401 UNAUTHENTICATED)", async () => {
    const keyed = await startHarness({ http: { introspection: 'authenticated' } });
    try {
      const t = await makeTenant(keyed.services, 'introspect');
      const q = '{ __schema { queryType { name } } }';
      const anon = await gql(keyed.url, null, q);
      expect([anon.status, codes(anon)]).toEqual([401, ['UNAUTHENTICATED']]);
      expect(JSON.stringify(anon)).not.toContain('Query');
      const typeQuery = await gql(keyed.url, null, '{ __type(name: "Mutation") { fields { name } } }');
      expect(codes(typeQuery)).toEqual(['UNAUTHENTICATED']);
      const withKey = await gql(keyed.url, t.token, q);
      expect(withKey.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      // __typename is not introspection
      expect((await gql(keyed.url, null, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    } finally {
      await keyed.close();
    }
  });

  it('is off when configured so (the default with NODE_ENV=production): the schema, admin operations included, stays private', async () => {
    const closed = await startHarness({ http: { introspection: false } });
    try {
      const r = await gql(closed.url, null, '{ __schema { mutationType { fields { name } } } }');
      expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(JSON.stringify(r)).not.toContain('createApiKey');
    } finally {
      await closed.close();
    }
  });
});
