/**
 * Image bytes in an S3-compatible object store (AWS S3, MinIO, Cloudflare R2, GCS interoperability, Ceph RGW):
 * object `<prefix>/<tenantId>/<sha256>` in one bucket. Credentials come from the AWS SDK's default chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, web identity on EKS, instance roles); endpoint, region and
 * path-style addressing from the gateway's config (env.ts: AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_S3_FORCE_PATH_STYLE).
 *
 * Nothing is hashed twice on the event loop: the upload route hashed the bytes chunk by chunk as they arrived, and
 * that digest is both the SigV4 payload hash (`x-amz-content-sha256`, which the signer takes as given) and the
 * object's SHA-256 checksum, which the store verifies on receipt (a body damaged on the way is refused). Reads are
 * verified against the key (the digest is updated per chunk as they arrive) before the dispatcher uses the bytes.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { imageKey, readExactly, type ImageStore } from './image-store';

export interface S3ImageStoreOptions {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' = the bucket's root). */
  prefix: string;
  region: string;
  /** A non-AWS endpoint (MinIO, R2, …); null = AWS's own for the region. */
  endpoint: string | null;
  forcePathStyle: boolean;
  /** Explicit credentials (tests); absent = the SDK's default provider chain. */
  credentials?: S3ClientConfig['credentials'];
}

export class S3ImageStore implements ImageStore {
  readonly kind = 's3';
  readonly location: string;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3ImageStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    this.location = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // We send our own SHA-256 checksum on PUT and verify reads ourselves: no CRC32 in JavaScript over 20 MB.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
      maxAttempts: 3,
    });
  }

  private key(tenantId: string, sha256: string): string {
    const k = imageKey(tenantId, sha256);
    return this.prefix ? `${this.prefix}/${k}` : k;
  }

  /** Fails with a readable message when the bucket is missing or the credentials cannot reach it (at start). */
  async verify(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
      throw new Error(`image store ${this.location}: cannot reach the bucket (${e.$metadata?.httpStatusCode ?? e.name}: ${e.message ?? String(err)})`);
    }
  }

  async put(tenantId: string, sha256: string, bytes: Uint8Array): Promise<void> {
    // The SDK does not retry a streamed body (it cannot rewind it): a fresh stream per attempt, here.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(this.putCommand(tenantId, sha256, bytes));
        return;
      } catch (err) {
        if (attempt >= PUT_ATTEMPTS || !isRetryable(err)) throw err;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  private putCommand(tenantId: string, sha256: string, bytes: Uint8Array): PutObjectCommand {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: this.key(tenantId, sha256),
      // A stream of views into the buffer (no copies), not the buffer itself: handed one 20 MB buffer, the socket's
      // first synchronous writev copies megabytes into the kernel on the event loop (~70 ms a 20 MB image here);
      // in 256 KiB pieces each write is short and the loop turns between them.
      Body: Readable.from(pieces(bytes, 256 * 1024), { objectMode: false }),
      ContentLength: bytes.byteLength,
      ContentType: 'application/octet-stream',
      ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
    });
    // The signer uses a payload hash already in the headers instead of hashing the body itself.
    command.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-amz-content-sha256'] = sha256;
        return next(args);
      },
      { step: 'build', name: 'refdiffKnownPayloadHash' },
    );
    return command;
  }

  async get(tenantId: string, sha256: string): Promise<Uint8Array | null> {
    const object = await this.getObject(tenantId, sha256);
    if (!object) return null;
    const hash = createHash('sha256');
    const bytes = await readExactly(object.body, object.size, (c) => hash.update(c));
    const actual = hash.digest('hex');
    if (actual !== sha256) throw new Error(`image store ${this.location}: object ${this.key(tenantId, sha256)} has sha256 ${actual}`);
    return bytes;
  }

  async open(tenantId: string, sha256: string): Promise<{ size: number; body: Readable } | null> {
    return this.getObject(tenantId, sha256);
  }

  private async getObject(tenantId: string, sha256: string): Promise<{ size: number; body: Readable } | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(tenantId, sha256) }));
      if (r.ContentLength === undefined || !r.Body) throw new Error(`image store ${this.location}: GetObject answered without a length or body`);
      return { size: r.ContentLength, body: r.Body as Readable };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async has(tenantId: string, sha256: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(tenantId, sha256) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async delete(tenantId: string, sha256: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(tenantId, sha256) }));
  }

  close(): void {
    this.client.destroy();
  }
}

const PUT_ATTEMPTS = 3;

function* pieces(bytes: Uint8Array, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.byteLength; at += size) {
    yield Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(size, bytes.byteLength - at));
  }
}

/** Network failures, 5xx, throttling: worth another attempt. A 4xx (credentials, bucket, checksum) is not. */
function isRetryable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || e.name === 'SlowDown';
  return e?.$retryable !== undefined || ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED'].includes(e?.code ?? '') || e?.name === 'TimeoutError';
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
