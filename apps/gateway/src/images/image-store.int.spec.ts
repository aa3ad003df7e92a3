/**
 * Both image stores behind the same contract: the S3 store against s3rver (started here), the filesystem store in
 * a temporary folder. Round trips, streaming reads, content addressing, per-tenant keys, deletion, refusal of keys
 * that are not a tenant id and a sha256.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3, type TestS3 } from '../../test/s3';
import { FilesystemImageStore } from './fs-image-store';
import type { ImageStore } from './image-store';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
async function drain(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

let s3: TestS3;
let fsRoot: string;
beforeAll(async () => {
  s3 = await startS3(['refdiff-images']);
  fsRoot = await mkdtemp(join(tmpdir(), 'refdiff-fs-store-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(fsRoot, { recursive: true, force: true });
});

const stores: [string, () => ImageStore][] = [
  ['s3 (s3rver)', () => s3.store('refdiff-images', 'tenants/images')],
  ['filesystem', () => new FilesystemImageStore(fsRoot)],
];

describe.each(stores)('%s image store', (_name, make) => {
  it('stores, reads whole and streamed, reports presence, deletes', async () => {
    const store = make();
    await store.verify?.();
    const tenant = randomUUID();
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const h = sha(bytes);
    expect(await store.has(tenant, h)).toBe(false);
    expect(await store.get(tenant, h)).toBeNull();
    expect(await store.open(tenant, h)).toBeNull();

    await store.put(tenant, h, bytes);
    await store.put(tenant, h, bytes); // content-addressed: again is harmless
    expect(await store.has(tenant, h)).toBe(true);
    expect(Buffer.from((await store.get(tenant, h))!).equals(Buffer.from(bytes))).toBe(true);
    const opened = await store.open(tenant, h);
    expect(opened?.size).toBe(bytes.length);
    expect((await drain(opened!.body)).equals(Buffer.from(bytes))).toBe(true);

    await store.delete(tenant, h);
    await store.delete(tenant, h); // deleting a missing key is not an error
    expect(await store.has(tenant, h)).toBe(false);
    expect(await store.get(tenant, h)).toBeNull();
  });

  it('keys are per tenant: the same bytes under two tenants are two objects, deleting one keeps the other', async () => {
    const store = make();
    const [a, b] = [randomUUID(), randomUUID()];
    const bytes = new Uint8Array(randomBytes(1000));
    const h = sha(bytes);
    await store.put(a, h, bytes);
    expect(await store.has(b, h)).toBe(false);
    expect(await store.get(b, h)).toBeNull();
    await store.put(b, h, bytes);
    await store.delete(a, h);
    expect(await store.has(a, h)).toBe(false);
    expect(Buffer.from((await store.get(b, h))!).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses keys that are not a tenant id and a lowercase sha256 (no path or prefix escapes)', async () => {
    const store = make();
    const h = sha(new Uint8Array([1]));
    for (const [t, s] of [
      ['../etc', h],
      [`${randomUUID()}/..`, h],
      [randomUUID(), '../../x'],
      [randomUUID(), h.toUpperCase()],
      ['', h],
    ]) {
      await expect(store.put(t, s, new Uint8Array([1]))).rejects.toThrow(/invalid image key/);
      await expect(store.get(t, s)).rejects.toThrow(/invalid image key/);
    }
  });
});

describe('s3 image store', () => {
  it('puts objects under the prefix as <prefix>/<tenant>/<sha256>', async () => {
    const store = s3.store('refdiff-images', 'pfx/sub');
    const tenant = randomUUID();
    const bytes = new Uint8Array(randomBytes(64));
    await store.put(tenant, sha(bytes), bytes);
    // s3rver keeps each object as a file under <dir>/<bucket>/<key>._S3rver_object
    const files = await readdir(join(s3.directory, 'refdiff-images', 'pfx', 'sub', tenant));
    expect(files).toContain(`${sha(bytes)}._S3rver_object`);
  });

  it('get() refuses an object whose bytes do not match its key', async () => {
    // S3 itself refuses such a PUT (x-amz-content-sha256 and the SHA-256 checksum are checked on receipt); s3rver
    // does not check them, which lets this test store damaged content and see the read side catch it.
    const store = s3.store('refdiff-images');
    const tenant = randomUUID();
    const bytes = new Uint8Array(randomBytes(64));
    const wrong = sha(new Uint8Array(randomBytes(64)));
    await store.put(tenant, wrong, bytes);
    await expect(store.get(tenant, wrong)).rejects.toThrow(/has sha256/);
  });

  it('verify() fails with a readable message when the bucket does not exist', async () => {
    await expect(s3.store('no-such-bucket').verify()).rejects.toThrow(/s3:\/\/no-such-bucket: cannot reach the bucket/);
  });
});

describe('filesystem image store', () => {
  it('writes files 0600 under <root>/<tenant>/<sha256> and leaves no temporary files', async () => {
    const store = new FilesystemImageStore(fsRoot);
    const tenant = randomUUID();
    const bytes = new Uint8Array(randomBytes(64));
    await store.put(tenant, sha(bytes), bytes);
    expect(await readdir(join(fsRoot, tenant))).toEqual([sha(bytes)]);
    expect((await stat(join(fsRoot, tenant, sha(bytes)))).mode & 0o777).toBe(0o600);
  });
});
