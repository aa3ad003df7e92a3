/**
 * `refdiff serve`'s embedded mode: PGlite in a data folder, the bootstrap admin key, the admin CLI's GraphQL path,
 * a restart on the same folder — and the full product path with the real worker on the fixture pack: a synthetic
 * scene uploaded, three expressions segmented, masks checked against the scene's ground truth.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminQuery, resolveAdminTarget } from '../src/admin-client';
import { loadConfig } from '../src/env';
import { runExample } from '../src/example';
import { banner, serve } from '../src/serve';
import { startFakeWorker } from './fake-worker';
import { gql, silentLogger, upload } from './harness';
import { pngNoise } from './images';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'refdiff-serve-'));
  dirs.push(d);
  return d;
}

describe('refdiff serve (embedded PGlite)', () => {
  it('bootstraps an admin key (0600), serves the API, administers through GraphQL, and keeps its data across a restart', async () => {
    const dataDir = await tempDir();
    const worker = await startFakeWorker();
    const config = loadConfig({ LOG_LEVEL: 'silent' }, { dataDir, port: '0', workers: worker.target });
    let h = await serve(config, { logger: silentLogger });
    let tenantToken: string;
    try {
      expect(h.db.kind).toBe('pglite');
      expect((await stat(h.adminKeyPath)).mode & 0o777).toBe(0o600);
      expect(banner(h)).toContain(h.graphqlUrl);
      expect(banner(h)).toContain(`pages (playground, usage, admin; sign in with a key): ${h.url}/\n`);
      const target = await resolveAdminTarget({ url: h.url, dataDir }, {});
      expect(target.token).toBe(h.adminToken);
      const created = await adminQuery<{ createTenant: { id: string } }>(target, 'mutation { createTenant(name: "acme") { id } }');
      const key = await adminQuery<{ createApiKey: { token: string } }>(target, 'mutation($t: ID!) { createApiKey(tenantId: $t, name: "app") { token } }', {
        t: created.createTenant.id,
      });
      tenantToken = key.createApiKey.token;
      const img = (await upload(h.url, tenantToken, await pngNoise(20, 16, 2))).body.image.id;
      const seg = await gql(h.url, tenantToken, 'mutation($i: ID!) { segment(imageId: $i, expressions: ["the cat"]) { id } }', { i: img });
      const done = await gql(h.url, tenantToken, 'query($ids: [ID!]!) { waitForSegmentations(ids: $ids, timeoutSeconds: 30) { status } }', {
        ids: [seg.data!.segment[0].id],
      });
      expect(done.data!.waitForSegmentations[0].status).toBe('SUCCEEDED');
    } finally {
      await h.stop();
    }
    // Same folder again: the same admin key, the same tenants and keys.
    h = await serve(config, { logger: silentLogger });
    try {
      expect(h.adminToken).toBe((await resolveAdminTarget({ dataDir }, {})).token);
      const tenants = await adminQuery<{ tenants: { name: string }[] }>({ url: h.url, token: h.adminToken }, '{ tenants { name } }');
      expect(tenants.tenants.map((t: { name: string }) => t.name).sort()).toEqual(['acme', 'admin']);
      const me = await gql(h.url, tenantToken, '{ segmentations { totalCount } }');
      expect(me.data!.segmentations.totalCount).toBe(1);
    } finally {
      await h.stop();
      await worker.close();
    }
  }, 120_000);

  it('segments a synthetic scene end to end with the real worker on the fixture pack (the right masks)', async () => {
    const dataDir = await tempDir();
    const h = await serve(loadConfig({ LOG_LEVEL: 'silent' }, { dataDir, port: '0' }), { logger: silentLogger });
    try {
      expect(h.localWorker).not.toBeNull();
      const result = await runExample(h.url, h.adminToken, { timeoutSeconds: 240 });
      expect(result.rows).toHaveLength(3);
      for (const row of result.rows) {
        expect(row.status, `${row.expression}: ${row.error}`).toBe('SUCCEEDED');
        expect(row.iou, row.expression).toBeGreaterThanOrEqual(0.8);
      }
    } finally {
      await h.stop();
    }
  }, 300_000);
});
