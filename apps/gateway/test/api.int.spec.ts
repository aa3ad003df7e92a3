/**
 * The GraphQL API and the upload route over real HTTP on a real PostgreSQL database: auth, tenancy isolation,
 * quotas, limits and bad input. Dispatch is not running here (requests stay QUEUED); see dispatch tests.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, gql, makeTenant, startHarness, upload, type Harness } from './harness';
import { pngHeaderOnly, pngNoise, pngWithBox } from './images';

let h: Harness;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let imageA: string;
let imageB: string;
let segB: string[];

const SEGMENT = `mutation($imageId: ID!, $expressions: [String!]!, $key: String, $options: SegmentOptionsInput) {
  segment(imageId: $imageId, expressions: $expressions, idempotencyKey: $key, options: $options) { id status expression options image { id } }
}`;

beforeAll(async () => {
  h = await startHarness();
  a = await makeTenant(h.services, 'tenant-a');
  b = await makeTenant(h.services, 'tenant-b');
  imageA = (await upload(h.url, a.token, await pngWithBox(64, 48, [8, 8, 24, 24]))).body.image.id;
  imageB = (await upload(h.url, b.token, await pngWithBox(64, 48, [30, 10, 60, 40], 1))).body.image.id;
  const r = await gql(h.url, b.token, SEGMENT, { imageId: imageB, expressions: ['the red box', 'the background'] });
  segB = r.data!.segment.map((s: { id: string }) => s.id);
});

afterAll(() => h?.close());

describe('uploads', () => {
  it('stores an image once per tenant by sha256 and records format and size', async () => {
    const png = await pngWithBox(32, 16, [0, 0, 8, 8]);
    const first = await upload(h.url, a.token, png);
    expect(first.status).toBe(201);
    expect(first.body.image).toMatchObject({ format: 'PNG', width: 32, height: 16, byteSize: png.length });
    const again = await upload(h.url, a.token, png, 'application/octet-stream');
    expect(again.status).toBe(200);
    expect(again.body.image.id).toBe(first.body.image.id);
    // Another tenant uploading the same bytes gets its own row.
    const other = await upload(h.url, b.token, png);
    expect(other.status).toBe(201);
    expect(other.body.image.id).not.toBe(first.body.image.id);
  });

  it('rejects bad uploads with typed errors and writes nothing', async () => {
    const count = () => h.db.prisma.image.count();
    const before = await count();
    const text = await upload(h.url, a.token, new TextEncoder().encode('hello, not an image'), 'image/png');
    expect(text).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });

    const huge = await upload(h.url, a.token, new Uint8Array(50 * 1024 * 1024));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');

    // A PNG declaring 20,000×20,000 pixels is refused from its header, before any decoding.
    const bomb = await upload(h.url, a.token, pngHeaderOnly(20_000, 20_000));
    expect(bomb).toMatchObject({ status: 413, body: { error: { code: 'IMAGE_TOO_LARGE', limitPixels: 40_000_000 } } });

    // A PNG whose header is fine but whose data is truncated fails decoding.
    const good = await pngWithBox(40, 40, [1, 1, 20, 20]);
    const truncated = await upload(h.url, a.token, good.subarray(0, good.length - 30));
    expect(truncated).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT' } } });

    const empty = await upload(h.url, a.token, new Uint8Array());
    expect(empty).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT' } } });

    const anon = await upload(h.url, null, good);
    expect(anon).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await count()).toBe(before);
  });

  it("enforces the tenant's image byte limit and storage quota", async () => {
    const big = await pngNoise(60, 60, 7);
    const img1 = await pngNoise(20, 20, 1);
    const img2 = await pngNoise(21, 20, 2);
    const img3 = await pngNoise(22, 20, 3);
    const small = await makeTenant(h.services, 'tenant-small', {
      maxImageBytes: 5_000,
      maxStorageBytes: BigInt(img1.length + img2.length + img3.length - 1),
    });
    expect(big.length).toBeGreaterThan(5_000);
    expect((await upload(h.url, small.token, big)).body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await upload(h.url, small.token, img1)).status).toBe(201);
    expect((await upload(h.url, small.token, img2)).status).toBe(201);
    const over = await upload(h.url, small.token, img3);
    // Non-retryable: waiting frees no storage, so not 429 (clients retry 429 forever); no Retry-After either.
    expect(over).toMatchObject({ status: 403, body: { error: { code: 'QUOTA_EXCEEDED' } } });
    expect(over.retryAfter).toBeNull();
    expect(await h.db.prisma.image.count({ where: { tenantId: small.tenant.id } })).toBe(2);
  });
});

describe('image download', () => {
  const download = (id: string, token: string | null) =>
    fetch(`${h.url}/v1/images/${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("serves an image's bytes back to its own tenant, with its format's Content-Type", async () => {
    const jpeg = new Uint8Array(await sharp(Buffer.from(await pngNoise(20, 10, 7))).jpeg().toBuffer());
    const up = await upload(h.url, a.token, jpeg, 'application/octet-stream');
    const res = await download(up.body.image.id, a.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(jpeg);
    const png = await download(imageA, a.token);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect((await sharp(Buffer.from(await png.arrayBuffer())).metadata()).width).toBe(64);
    // A READ-only key may download.
    const { token: readOnly } = await h.services.apiKeys.create(a.tenant.id, 'reader', ['READ']);
    expect((await download(imageA, readOnly)).status).toBe(200);
  });

  it("answers 404 NOT_FOUND for another tenant's image, exactly as for an unknown or malformed id, and 401 without a key", async () => {
    const theirs = await download(imageB, a.token);
    const unknown = await download('00000000-0000-4000-8000-000000000000', a.token);
    const malformed = await download('not-a-uuid', a.token);
    for (const res of [theirs, unknown, malformed]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('NOT_FOUND');
      expect(JSON.stringify(body)).not.toContain(b.tenant.id);
    }
    // B itself gets its image.
    expect((await download(imageB, b.token)).status).toBe(200);
    const anonymous = await download(imageA, null);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('authentication', () => {
  it('answers UNAUTHENTICATED for a missing, malformed, unknown or revoked key', async () => {
    const q = '{ me { tenantId } }';
    expect(codes(await gql(h.url, null, q))).toEqual(['UNAUTHENTICATED']);
    const malformed = await gql(h.url, 'nope', q);
    expect(codes(malformed)).toEqual(['UNAUTHENTICATED']);
    expect(malformed.status).toBe(401);
    expect(codes(await gql(h.url, `rd_live_v1_${'x'.repeat(43)}`, q))).toEqual(['UNAUTHENTICATED']);

    const { token, key } = await h.services.apiKeys.create(a.tenant.id, 'short-lived', ['READ']);
    expect((await gql(h.url, token, q)).data?.me.tenantId).toBe(a.tenant.id);
    await h.services.apiKeys.revoke(a.tenant.id, key.id);
    const revoked = await gql(h.url, token, q);
    expect(codes(revoked)).toEqual(['UNAUTHENTICATED']);
    expect(revoked.errors![0].message).toMatch(/revoked/);
  });

  it('stores only a hash and a display prefix, and records last use', async () => {
    const row = await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: a.key.id } });
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.token.startsWith(row.prefix)).toBe(true);
    expect(JSON.stringify(row)).not.toContain(a.token.slice(17));
    expect(row.lastUsedAt).not.toBeNull();
  });

  it('enforces scopes: a READ key cannot segment, a tenant key cannot administer', async () => {
    const { token } = await h.services.apiKeys.create(a.tenant.id, 'reader', ['READ']);
    expect(codes(await gql(h.url, token, SEGMENT, { imageId: imageA, expressions: ['x'] }))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(h.url, a.token, '{ tenants { id } }'))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(h.url, a.token, '{ workerPool { workers { target } } }'))).toEqual(['FORBIDDEN']);
    expect(
      codes(await gql(h.url, a.token, 'mutation($t: ID!) { createApiKey(tenantId: $t, name: "x") { token } }', { t: b.tenant.id })),
    ).toEqual(['FORBIDDEN']);
  });
});

describe('tenancy', () => {
  it("answers NOT_FOUND for every one of B's ids on every query and mutation A can call", async () => {
    const probes: [string, Record<string, unknown>][] = [
      ['query($id: ID!) { image(id: $id) { id } }', { id: imageB }],
      ['query($id: ID!) { segmentation(id: $id) { id } }', { id: segB[0] }],
      ['query($ids: [ID!]!) { waitForSegmentations(ids: $ids, timeoutSeconds: 0) { id } }', { ids: [segB[0]] }],
      ['query($ids: [ID!]!) { waitForSegmentations(ids: $ids, timeoutSeconds: 0) { id } }', { ids: segB }],
      ['query($img: ID!) { segmentations(filter: { imageId: $img }) { totalCount edges { node { id } } } }', { img: imageB }],
      [SEGMENT, { imageId: imageB, expressions: ['steal'] }],
      ['mutation($id: ID!) { cancelSegmentation(id: $id) { id status } }', { id: segB[0] }],
    ];
    for (const [query, variables] of probes) {
      const r = await gql(h.url, a.token, query, variables);
      expect(codes(r), query).toEqual(['NOT_FOUND']);
      expect(JSON.stringify(r)).not.toContain(b.tenant.id);
    }
    // Nothing of B's changed or leaked into A's listings and counts.
    const bRows = await h.db.prisma.segmentationRequest.findMany({ where: { id: { in: segB } } });
    expect(bRows.map((r) => r.status)).toEqual(['QUEUED', 'QUEUED']);
    const list = await gql(h.url, a.token, '{ segmentations(first: 100) { totalCount edges { node { id image { id } } } } }');
    const ids = list.data!.segmentations.edges.map((e: any) => e.node.id);
    expect(ids.some((id: string) => segB.includes(id))).toBe(false);
    expect(list.data!.segmentations.totalCount).toBe(await h.db.prisma.segmentationRequest.count({ where: { tenantId: a.tenant.id } }));
    // Malformed ids are NOT_FOUND too, never an internal error.
    expect(codes(await gql(h.url, a.token, '{ segmentation(id: "not-a-uuid") { id } }'))).toEqual(['NOT_FOUND']);
  });

  it("keeps usage per tenant: A's report never includes B's activity", async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const q = 'query($f: DateTime!, $t: DateTime!) { usage(from: $f, to: $t) { totals { requests expressions images } series { bucket } } }';
    const before = (await gql(h.url, a.token, q, { f: from, t: to })).data!.usage.totals;
    await gql(h.url, b.token, SEGMENT, { imageId: imageB, expressions: ['one', 'two', 'three'] });
    const after = (await gql(h.url, a.token, q, { f: from, t: to })).data!.usage.totals;
    expect(after).toEqual(before);
    const bTotals = (await gql(h.url, b.token, q, { f: from, t: to })).data!.usage.totals;
    expect(bTotals.expressions).toBeGreaterThanOrEqual(5);
  });
});

describe('segment', () => {
  it('queues one request per expression, in order, with validated options', async () => {
    const r = await gql(h.url, a.token, SEGMENT, {
      imageId: imageA,
      expressions: [' the red box ', 'the left thing', 'the background'],
      options: { preset: 'PAPER', proposals: 'WEIGHT_FREE', alpha: 0.5, seed: 7 },
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.segment.map((s: any) => [s.expression, s.status, s.image.id])).toEqual([
      ['the red box', 'QUEUED', imageA],
      ['the left thing', 'QUEUED', imageA],
      ['the background', 'QUEUED', imageA],
    ]);
    expect(r.data!.segment[0].options).toEqual({
      preset: 'PRESET_PAPER',
      proposalSource: 'PROPOSAL_SOURCE_WEIGHT_FREE',
      seed: 7,
      overrides: { alpha: 0.5 },
    });
  });

  it('rejects bad input with BAD_USER_INPUT and writes nothing', async () => {
    const count = () => h.db.prisma.segmentationRequest.count();
    const before = await count();
    const bad: Record<string, unknown>[] = [
      { imageId: imageA, expressions: [''] },
      { imageId: imageA, expressions: ['ok', '   '] },
      { imageId: imageA, expressions: [] },
      { imageId: imageA, expressions: Array.from({ length: 65 }, (_, i) => `e${i}`) },
      { imageId: imageA, expressions: ['x'.repeat(501)] },
      { imageId: imageA, expressions: ['ok'], options: { alpha: 2 } },
      { imageId: imageA, expressions: ['ok'], options: { imageSize: 100 } },
      { imageId: imageA, expressions: ['ok'], options: { attentionLevel: 3 } },
    ];
    for (const v of bad) expect(codes(await gql(h.url, a.token, SEGMENT, v)), JSON.stringify(v).slice(0, 80)).toEqual(['BAD_USER_INPUT']);
    // Wrong types are rejected by GraphQL itself.
    expect(codes(await gql(h.url, a.token, SEGMENT, { imageId: imageA, expressions: 'x', options: { preset: 'NOPE' } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await count()).toBe(before);
  });

  it('returns the first call’s requests for a repeated idempotency key, and CONFLICT for a different call', async () => {
    const v = { imageId: imageA, expressions: ['first', 'second'], key: 'order-42' };
    const [r1, r2] = await Promise.all([gql(h.url, a.token, SEGMENT, v), gql(h.url, a.token, SEGMENT, v)]);
    const ids1 = r1.data!.segment.map((s: any) => s.id);
    expect(r2.data!.segment.map((s: any) => s.id)).toEqual(ids1);
    expect(await h.db.prisma.segmentationRequest.count({ where: { tenantId: a.tenant.id, idempotencyKey: 'order-42' } })).toBe(2);
    expect(codes(await gql(h.url, a.token, SEGMENT, { ...v, expressions: ['other'] }))).toEqual(['CONFLICT']);
    // The same key in another tenant is independent.
    const rb = await gql(h.url, b.token, SEGMENT, { imageId: imageB, expressions: ['first'], key: 'order-42' });
    expect(rb.data!.segment).toHaveLength(1);
  });

  it('answers QUOTA_EXCEEDED past the monthly expression quota, writing nothing', async () => {
    const q = await makeTenant(h.services, 'tenant-quota', { monthlyExpressionQuota: 4 });
    const img = (await upload(h.url, q.token, await pngWithBox(16, 16, [0, 0, 4, 4]))).body.image.id;
    expect((await gql(h.url, q.token, SEGMENT, { imageId: img, expressions: ['a', 'b', 'c'] })).errors).toBeUndefined();
    const over = await gql(h.url, q.token, SEGMENT, { imageId: img, expressions: ['d', 'e'] });
    expect(codes(over)).toEqual(['QUOTA_EXCEEDED']);
    expect(over.errors![0].extensions).toMatchObject({ limit: 4, used: 3 });
    expect(await h.db.prisma.segmentationRequest.count({ where: { tenantId: q.tenant.id } })).toBe(3);
    expect((await gql(h.url, q.token, SEGMENT, { imageId: img, expressions: ['d'] })).errors).toBeUndefined();
  });

  it('answers RATE_LIMITED past the per-minute rate', async () => {
    const r = await makeTenant(h.services, 'tenant-rate', { rateLimitPerMinute: 3 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await gql(h.url, r.token, '{ me { tenantId } }'));
    expect(results.map((x) => codes(x)[0] ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(results[3].status).toBe(429);
  });

  it('cancels queued requests; cancelling again is a no-op', async () => {
    const r = await gql(h.url, a.token, SEGMENT, { imageId: imageA, expressions: ['to cancel'] });
    const id = r.data!.segment[0].id;
    const c = await gql(h.url, a.token, 'mutation($id: ID!) { cancelSegmentation(id: $id) { status finishedAt } }', { id });
    expect(c.data!.cancelSegmentation.status).toBe('CANCELLED');
    const again = await gql(h.url, a.token, 'mutation($id: ID!) { cancelSegmentation(id: $id) { status finishedAt } }', { id });
    expect(again.data!.cancelSegmentation).toEqual(c.data!.cancelSegmentation);
  });
});

describe('queries', () => {
  it('paginates segmentations newest first with Relay cursors, without gaps or repeats', async () => {
    const p = await makeTenant(h.services, 'tenant-pages');
    const img = (await upload(h.url, p.token, await pngWithBox(16, 16, [0, 0, 4, 4]))).body.image.id;
    for (let i = 0; i < 3; i++) await gql(h.url, p.token, SEGMENT, { imageId: img, expressions: [`a${i}`, `b${i}`, `c${i}`] });
    const all = await h.db.prisma.segmentationRequest.findMany({
      where: { tenantId: p.tenant.id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await gql(h.url, p.token, 'query($after: String) { segmentations(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }', { after });
      seen.push(...r.data.segmentations.edges.map((e: any) => e.node.id));
      expect(r.data.segmentations.totalCount).toBe(9);
      if (!r.data.segmentations.pageInfo.hasNextPage) break;
      after = r.data.segmentations.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((r) => r.id));
    const filtered = await gql(h.url, p.token, '{ segmentations(filter: { status: [CANCELLED] }) { totalCount } }');
    expect(filtered.data!.segmentations.totalCount).toBe(0);
    expect(codes(await gql(h.url, p.token, '{ segmentations(after: "garbage") { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(h.url, p.token, '{ segmentations(first: 1000) { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
  });

  it('rejects a query nested 50 levels, too many aliases, and oversized bodies with typed errors', async () => {
    let nested = 'id';
    for (let i = 0; i < 50; i++) nested = `image { ${nested} }`;
    const deep = await gql(h.url, a.token, `query($id: ID!) { segmentation(id: $id) { ${nested} } }`, { id: segB[0] });
    expect(deep.data ?? null).toBeNull();
    expect(codes(deep)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(deep.errors!.some((e) => /depth/i.test(e.message))).toBe(true);

    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: me { tenantId }`).join(' ');
    const many = await gql(h.url, a.token, `{ ${aliases} }`);
    expect(codes(many)).toContain('GRAPHQL_VALIDATION_FAILED');

    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
      body: JSON.stringify({ query: `{ me { tenantId } }`, variables: { pad: 'x'.repeat(400_000) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('blocks CSRF-style simple requests (Apollo csrfPrevention) and serves spec GraphQL over HTTP GET', async () => {
    const csrf = await fetch(`${h.url}/graphql?query=${encodeURIComponent('{ me { tenantId } }')}`, {
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(csrf.status).toBe(400);
    const get = await fetch(`${h.url}/graphql?query=${encodeURIComponent('{ me { tenantId } }')}`, {
      headers: { authorization: `Bearer ${a.token}`, 'apollo-require-preflight': 'true', accept: 'application/graphql-response+json' },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as any).data.me.tenantId).toBe(a.tenant.id);
  });

  it('reports usage as an hourly or daily series with totals', async () => {
    const u = await makeTenant(h.services, 'tenant-usage');
    const img = (await upload(h.url, u.token, await pngWithBox(16, 16, [0, 0, 4, 4]))).body.image.id;
    await gql(h.url, u.token, SEGMENT, { imageId: img, expressions: ['a', 'b'] });
    const now = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const r = await gql(h.url, u.token, 'query($f: DateTime!, $t: DateTime!, $g: Granularity) { usage(from: $f, to: $t, granularity: $g) { granularity series { bucket requests expressions images } totals { requests expressions images gpuMs failures } } }', {
      f: new Date(now - 5 * 3_600_000).toISOString(),
      t: new Date(now + 3_600_000).toISOString(),
      g: 'HOUR',
    });
    expect(r.data!.usage.series).toHaveLength(6);
    expect(r.data!.usage.totals).toEqual({ requests: 2, expressions: 2, images: 1, gpuMs: 0, failures: 0 });
    const day = await gql(h.url, u.token, 'query($f: DateTime!, $t: DateTime!) { usage(from: $f, to: $t, granularity: DAY) { series { bucket expressions } } }', {
      f: new Date(now - 2 * 86_400_000).toISOString(),
      t: new Date(Date.now() + 1).toISOString(),
    });
    const series = day.data!.usage.series;
    expect(series.length).toBeGreaterThanOrEqual(2);
    expect(series[series.length - 1].expressions).toBe(2);
    expect(series[series.length - 1].bucket.endsWith('T00:00:00.000Z')).toBe(true);
  });
});
