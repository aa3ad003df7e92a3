/**
 * Image bytes as files: `<root>/<tenantId>/<sha256>`, written to a temporary name and renamed (a reader sees a
 * whole file or none), mode 0600 in 0700 folders. File I/O runs on libuv's thread pool, off the event loop.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open as openFile, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { imageKey, type ImageStore } from './image-store';

export class FilesystemImageStore implements ImageStore {
  readonly kind = 'filesystem';
  readonly location: string;
  constructor(private readonly root: string) {
    this.location = `fs:${root}`;
  }

  private path(tenantId: string, sha256: string): string {
    return join(this.root, ...imageKey(tenantId, sha256).split('/'));
  }

  async put(tenantId: string, sha256: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(tenantId, sha256);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
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

  async open(tenantId: string, sha256: string): Promise<{ size: number; body: Readable } | null> {
    // Open first, then stat the open file: a deletion between the two cannot give a size for bytes we cannot read.
    let handle;
    try {
      handle = await openFile(this.path(tenantId, sha256), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      return { size, body: createReadStream('', { fd: handle, autoClose: true }) };
    } catch (err) {
      await handle.close();
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
