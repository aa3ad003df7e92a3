/**
 * Where an image's bytes live when not in the database row: files (`fs:<dir>`, the embedded default) or an
 * S3-compatible object store (`s3://bucket/prefix`). Why not the row: PGlite runs inside the gateway's process, so
 * writing 20 MB into it held the event loop for ~20 s (issue 14 D6), and on PostgreSQL Prisma base64-encodes a
 * bytea on the event loop (0.5–1.5 s for 19 MB); a file write runs on libuv's thread pool and an object PUT is socket
 * I/O. Content-addressed per tenant: the key is `<tenantId>/<sha256>`, built only from the tenant of the row a
 * tenant's own query found, so one tenant cannot name another's bytes, and the same bytes are stored once per tenant.
 */
import type { Readable } from 'node:stream';

export interface ImageStore {
  /** "filesystem" or "s3" (logs, metrics, docs). */
  readonly kind: string;
  /** Where, for logs: `fs:/var/lib/refdiff/images`, `s3://bucket/prefix` (never credentials). */
  readonly location: string;
  /**
   * Stores the bytes under (tenant, sha256); storing the same key again is a no-op in effect. `sha256` is the hex
   * digest of `bytes` (the caller computed it while reading them; stores use it rather than hashing again).
   */
  put(tenantId: string, sha256: string, bytes: Uint8Array): Promise<void>;
  /** The whole bytes (the dispatcher sends them to a worker in one message), or null when nothing is stored. */
  get(tenantId: string, sha256: string): Promise<Uint8Array | null>;
  /** The bytes as a stream with their length (downloads: never the whole image in memory), or null. */
  open(tenantId: string, sha256: string): Promise<{ size: number; body: Readable } | null>;
  /** Whether bytes are stored under that key. */
  has(tenantId: string, sha256: string): Promise<boolean>;
  /** Removes the key; removing a missing key is not an error. */
  delete(tenantId: string, sha256: string): Promise<void>;
  /** Checks at start that the store is reachable and usable (a missing bucket fails here, not at the first upload). */
  verify?(): Promise<void>;
  close?(): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The key's two parts, checked: both come from our own rows, but a path or object key is built from them, so
 * anything that is not a tenant id or a lowercase hex digest (`..`, `/`, another prefix) is refused.
 */
export function imageKey(tenantId: string, sha256: string): string {
  if (!UUID.test(tenantId) || !SHA256.test(sha256)) throw new Error(`invalid image key ${tenantId}/${sha256}`);
  return `${tenantId.toLowerCase()}/${sha256}`;
}

/** Reads a stream of known length into one buffer of that length (no chunk list joined at the end: one copy). */
export async function readExactly(body: AsyncIterable<Uint8Array>, size: number, onChunk?: (c: Uint8Array) => void): Promise<Uint8Array> {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for await (const chunk of body) {
    if (at + chunk.byteLength > size) throw new Error(`stored object is longer than its ${size} bytes`);
    out.set(chunk, at);
    at += chunk.byteLength;
    onChunk?.(chunk);
  }
  if (at !== size) throw new Error(`stored object ended after ${at} of ${size} bytes`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
