/**
 * An S3-compatible server for tests: s3rver (an S3 emulator on Koa, files in a temporary folder) in this process,
 * on 127.0.0.1:0, with buckets made up front. Its default credentials are S3RVER/S3RVER; it checks SigV4 signatures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3ImageStore } from '../src/images/s3-image-store';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  directory: string;
  /** A store on `bucket` (made at start) under `prefix`. */
  store(bucket: string, prefix?: string): S3ImageStore;
  close(): Promise<void>;
}

export async function startS3(buckets: string[]): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'refdiff-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const stores: S3ImageStore[] = [];
  return {
    endpoint,
    directory,
    store: (bucket, prefix = '') => {
      const s = new S3ImageStore({ bucket, prefix, region: 'us-east-1', endpoint, forcePathStyle: true, credentials: S3_CREDENTIALS });
      stores.push(s);
      return s;
    },
    close: async () => {
      for (const s of stores) s.close();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
