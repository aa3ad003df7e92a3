/**
 * Where an image's bytes live when not in the database row. Embedded mode keeps them as files: PGlite runs inside
 * the gateway's process, so writing 20 MB into it held the event loop for ~20 s (health checks, every other
 * request waited; issue 14 D6). A file write runs on libuv's thread pool instead, and the database keeps only the
 * metadata. Content-addressed per tenant: `<root>/<tenantId>/<sha256>`, written to a temporary name and renamed,
 * so a reader sees a whole file or none and the same bytes are stored once per tenant. The interface is small on
 * purpose: an S3 (or any object store) implementation is the same four calls.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ImageStore {
  /** A name for logs and docs ("filesystem", "s3", …). */
  readonly kind: string;
  /** Stores the bytes under (tenant, sha256); storing the same key again is a no-op in effect. */
  put(tenantId: string, sha256: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or null when nothing is stored under that key. */
  get(tenantId: string, sha256: string): Promise<Uint8Array | null>;
  /** Whether bytes are stored under that key. */
  has(tenantId: string, sha256: string): Promise<boolean>;
  delete(tenantId: string, sha256: string): Promise<void>;
}

const UUID = /^[0-9a-f-]{36}$/i;
const SHA256 = /^[0-9a-f]{64}$/;

export class FilesystemImageStore implements ImageStore {
  readonly kind = 'filesystem';
  constructor(private readonly root: string) {}

  private path(tenantId: string, sha256: string): string {
    // Both parts come from our own rows, but a path is built from them: refuse anything that is not an id or a hash.
    if (!UUID.test(tenantId) || !SHA256.test(sha256)) throw new Error(`invalid image key ${tenantId}/${sha256}`);
    return join(this.root, tenantId, sha256);
  }

  async put(tenantId: string, sha256: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(tenantId, sha256);
    await mkdir(join(this.root, tenantId), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, bytes, { mode: 0o600 });
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(tenantId: string, sha256: string): Promise<Uint8Array | null> {
    try {
      const b = await readFile(this.path(tenantId, sha256));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async has(tenantId: string, sha256: string): Promise<boolean> {
    return stat(this.path(tenantId, sha256)).then(
      () => true,
      () => false,
    );
  }

  async delete(tenantId: string, sha256: string): Promise<void> {
    await rm(this.path(tenantId, sha256), { force: true });
  }
}
