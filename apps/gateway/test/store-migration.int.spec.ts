/**
 * `refdiff images migrate-store` on the real PostgreSQL: images uploaded through the API while the bytes went into
 * the rows (PostgreSQL mode without IMAGE_STORE) are moved into an S3 bucket on s3rver and into the filesystem
 * store; the rows keep their metadata and lose their bytes; a gateway with the store serves them exactly as before.
 * Interrupted runs resume, repeated runs move nothing, a deletion racing the move leaves no orphan object, and bytes
 * that do not match their sha256 stay where they are.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemImageStore } from '../src/images/fs-image-store';
import type { ImageStore } from '../src/images/image-store';
import { inlineImageTotals, migrateImagesToStore } from '../src/images/image-store.migration';
import type { Database } from '../src/db/database';
import { createHttpApp, defaultHttpLimits } from '../src/http/app';
import { ImageRepository } from '../src/images/image.repository';
import { createServices } from '../src/services';
import { makeTenant, silentLogger, startHarness, upload, type Harness } from './harness';
import { pngNoise } from './images';
import { startS3, type TestS3 } from './s3';

const REFDIFF_BIN = fileURLToPath(new URL('../../cli/bin/refdiff.js', import.meta.url));
const run = promisify(execFile);

let s3: TestS3;
const dirs: string[] = [];
beforeAll(async () => {
  s3 = await startS3(['migrated-images']);
});
afterAll(async () => {
  await s3?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Seeded {
  h: Harness;
  images: { tenantId: string; token: string; id: string; sha256: string; bytes: Uint8Array }[];
}

/** A database-mode gateway with `n` images over two tenants (one image uploaded by both). */
async function seed(n: number): Promise<Seeded> {
  const h = await startHarness({ settings: { imageStore: null } });
  const a = await makeTenant(h.services, 'mig-a');
  const b = await makeTenant(h.services, 'mig-b');
  const images: Seeded['images'] = [];
  for (let i = 0; i < n; i++) {
    const t = i % 2 === 0 ? a : b;
    const bytes = await pngNoise(20 + i, 16, 500 + i);
    const r = await upload(h.url, t.token, bytes);
    expect(r.status).toBe(201);
    images.push({ tenantId: t.tenant.id, token: t.token, id: r.body.image.id, sha256: r.body.image.sha256, bytes });
  }
  const shared = images[0];
  const r = await upload(h.url, b.token, shared.bytes);
  images.push({ tenantId: b.tenant.id, token: b.token, id: r.body.image.id, sha256: shared.sha256, bytes: shared.bytes });
  expect(await inlineImageTotals(h.db.prisma)).toEqual({ rows: n + 1, bytes: images.reduce((s, x) => s + x.bytes.length, 0) });
  return { h, images };
}

/** Another gateway on the same database, reading through `store`. */
async function gatewayOn(db: Database, store: ImageStore): Promise<{ url: string; close: () => Promise<void> }> {
  const services = createServices(db, silentLogger, null, { authCacheMs: 0, imageStore: store });
  const http = await createHttpApp(services, defaultHttpLimits);
  const url = `http://127.0.0.1:${await http.listen(0)}`;
  return { url, close: () => http.close() };
}

async function download(url: string, token: string, id: string): Promise<Uint8Array> {
  const r = await fetch(`${url}/v1/images/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(200);
  return new Uint8Array(await r.arrayBuffer());
}

describe.each([
  ['s3 (s3rver)', () => s3.store('migrated-images', `m-${Math.random().toString(36).slice(2)}`)],
  ['filesystem', () => new FilesystemImageStore(join(dirs[dirs.push(join(tmpdir(), `refdiff-mig-${Math.random().toString(36).slice(2)}`)) - 1]))],
] as [string, () => ImageStore][])('migrate-store into the %s store', (_name, makeStore) => {
  it('moves every row batch-wise, resumes after an interruption, then has nothing left to do', async () => {
    const { h, images } = await seed(7);
    const store = makeStore();
    try {
      // Interrupted after the first batch of 3 (as Ctrl-C would): those rows are done, the rest untouched.
      const controller = new AbortController();
      const seen: number[] = [];
      await expect(
        migrateImagesToStore(h.db.prisma, store, {
          batch: 3,
          concurrency: 2,
          signal: controller.signal,
          onProgress: (p) => {
            seen.push(p.moved);
            controller.abort(new Error('stop'));
          },
        }),
      ).rejects.toThrow('stop');
      expect(seen).toEqual([3]);
      expect((await inlineImageTotals(h.db.prisma)).rows).toBe(5);

      // The next run picks up the remaining rows only.
      const progress: number[] = [];
      const r = await migrateImagesToStore(h.db.prisma, store, { batch: 3, onProgress: (p) => progress.push(p.moved) });
      expect(r).toMatchObject({ moved: 5, total: 5, mismatched: [] });
      expect(progress).toEqual([3, 5]);
      expect(await inlineImageTotals(h.db.prisma)).toEqual({ rows: 0, bytes: 0 });
      // Idempotent: a third run moves nothing.
      expect(await migrateImagesToStore(h.db.prisma, store)).toMatchObject({ moved: 0, total: 0 });

      // Metadata stays; the bytes are in the store under each tenant's own key (the shared image twice).
      expect(await h.db.prisma.image.count({ where: { data: null } })).toBe(images.length);
      for (const img of images) expect(Buffer.from((await store.get(img.tenantId, img.sha256))!).equals(Buffer.from(img.bytes))).toBe(true);

      // A gateway configured with the store serves every image exactly as uploaded, to its own tenant only.
      const g = await gatewayOn(h.db, store);
      try {
        for (const img of images) expect(Buffer.from(await download(g.url, img.token, img.id)).equals(Buffer.from(img.bytes))).toBe(true);
        const other = images.find((x) => x.tenantId !== images[1].tenantId)!;
        const r404 = await fetch(`${g.url}/v1/images/${images[1].id}`, { headers: { authorization: `Bearer ${other.token}` } });
        expect(r404.status).toBe(404);
      } finally {
        await g.close();
      }
    } finally {
      store.close?.();
      await h.close();
    }
  }, 60_000);

  it('a deletion racing the move leaves no orphan object; bytes that do not match their sha256 stay in the row', async () => {
    const { h, images } = await seed(3);
    const inner = makeStore();
    const repo = new ImageRepository(h.db.prisma, null);
    const [raced, damaged] = [images[1], images[2]];
    // The image is deleted (as deleteImage or retention would) after its bytes reached the store and before the
    // migration clears the row.
    const store: ImageStore = Object.assign(Object.create(inner) as ImageStore, {
      put: async (t: string, sha: string, bytes: Uint8Array) => {
        await inner.put(t, sha, bytes);
        if (sha === raced.sha256 && t === raced.tenantId) expect(await repo.deleteImage(t, raced.id)).not.toBeNull();
      },
    });
    await h.db.prisma.image.update({ where: { id: damaged.id }, data: { data: new Uint8Array([1, 2, 3]) } });
    try {
      const r = await migrateImagesToStore(h.db.prisma, store, { concurrency: 1 });
      expect(r.mismatched).toEqual([damaged.id]);
      expect(r.moved).toBe(images.length - 2);
      expect(await inner.has(raced.tenantId, raced.sha256)).toBe(false);
      expect(await inner.has(damaged.tenantId, damaged.sha256)).toBe(false);
      expect(await h.db.prisma.image.count({ where: { data: { not: null } } })).toBe(1);
      // Reported again on the next run, never moved.
      expect((await migrateImagesToStore(h.db.prisma, store)).mismatched).toEqual([damaged.id]);
    } finally {
      inner.close?.();
      await h.close();
    }
  }, 60_000);
});

describe('refdiff images migrate-store (the command)', () => {
  it('prints progress, moves the rows into IMAGE_STORE=fs:<dir>, and says so when there is nothing left', async () => {
    const { h, images } = await seed(4);
    const dir = await mkdtemp(join(tmpdir(), 'refdiff-mig-cli-'));
    dirs.push(dir);
    const env = { ...process.env, DATABASE_URL: h.dbUrl, IMAGE_STORE: `fs:${dir}`, LOG_LEVEL: 'warn' };
    try {
      const dry = await run(process.execPath, [REFDIFF_BIN, 'images', 'migrate-store', '--dry-run'], { env });
      expect(dry.stdout).toMatch(new RegExp(`^5 images \\(0\\.00 GB\\) hold their bytes in the database; they would move to fs:${dir}`));
      const first = await run(process.execPath, [REFDIFF_BIN, 'images', 'migrate-store', '--batch', '2'], { env });
      expect(first.stdout.split('\n').filter((l) => l.startsWith('moved '))).toHaveLength(3);
      expect(first.stdout).toContain('moved 5/5 images');
      expect(first.stdout).toContain(`done: 5 images`);
      expect((await readdir(dir)).sort()).toEqual([...new Set(images.map((i) => i.tenantId))].sort());
      const again = await run(process.execPath, [REFDIFF_BIN, 'images', 'migrate-store'], { env });
      expect(again.stdout).toContain('nothing to move');
      // Refuses to run without a store to move into.
      const refused = await run(process.execPath, [REFDIFF_BIN, 'images', 'migrate-store'], { env: { ...env, IMAGE_STORE: 'database' } }).catch((e: { code: number; stderr: string }) => e);
      expect((refused as { code: number }).code).not.toBe(0);
      expect((refused as { stderr: string }).stderr).toContain('set it to fs:<dir> or s3://bucket/prefix');
    } finally {
      await h.close();
    }
  }, 120_000);
});
