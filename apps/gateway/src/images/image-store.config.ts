/**
 * IMAGE_STORE: where image bytes live (docs/gateway.md, "Image storage").
 *   fs:<dir>              files under <dir> (relative to the working directory); `fs` or `filesystem` alone:
 *                         <data dir>/images — the default in embedded mode
 *   s3://bucket[/prefix]  an S3-compatible object store; endpoint, region and path style from the AWS variables
 *   database              the bytes in the images row (bytea) — the default with DATABASE_URL, so an existing
 *                         deployment keeps working; `refdiff images migrate-store` moves them out
 */
import { resolve } from 'node:path';
import { FilesystemImageStore } from './fs-image-store';
import type { ImageStore } from './image-store';
import { S3ImageStore } from './s3-image-store';

export type ImageStoreConfig =
  | { readonly kind: 'database' }
  | { readonly kind: 'fs'; readonly dir: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly prefix: string;
      readonly region: string;
      readonly endpoint: string | null;
      readonly forcePathStyle: boolean;
    };

/** The AWS variables the S3 store follows (the SDK's own names; the SDK reads the credentials itself). */
export interface S3Env {
  AWS_REGION?: string;
  AWS_ENDPOINT_URL?: string;
  AWS_ENDPOINT_URL_S3?: string;
  AWS_S3_FORCE_PATH_STYLE?: 'true' | 'false';
}

// S3 bucket naming rules (3–63 characters, lowercase letters, digits, dots and hyphens, starting and ending alnum).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses IMAGE_STORE; returns the config, or the problems (listed with the other configuration errors). */
export function parseImageStore(
  value: string | undefined,
  env: S3Env,
  context: { dataDir: string; database: boolean },
): { config: ImageStoreConfig } | { problems: string[] } {
  const v = value?.trim() || (context.database ? 'database' : 'fs');
  if (v === 'database') return { config: { kind: 'database' } };
  if (v === 'fs' || v === 'filesystem') return { config: { kind: 'fs', dir: resolve(context.dataDir, 'images') } };
  if (v.startsWith('fs:')) {
    const dir = v.slice(3);
    if (!dir) return { problems: ['IMAGE_STORE: fs: needs a folder (fs:/var/lib/refdiff/images)'] };
    return { config: { kind: 'fs', dir: resolve(dir) } };
  }
  if (v.startsWith('s3://')) {
    const rest = v.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    const problems: string[] = [];
    if (!BUCKET.test(bucket)) problems.push(`IMAGE_STORE: "${bucket}" is not a valid bucket name (3–63 lowercase letters, digits, dots, hyphens)`);
    if (/[?#\\]|(^|\/)\.\.?(\/|$)/.test(prefix)) problems.push(`IMAGE_STORE: the key prefix "${prefix}" may not contain ?, #, \\, . or .. segments`);
    if (!env.AWS_REGION) problems.push('AWS_REGION: required with IMAGE_STORE=s3://… (any region name, e.g. us-east-1, for MinIO and other S3-compatible stores)');
    if (problems.length > 0) return { problems };
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || null;
    return {
      config: {
        kind: 's3',
        bucket,
        prefix,
        region: env.AWS_REGION as string,
        endpoint,
        // Self-hosted stores (MinIO, Ceph, s3rver) rarely have wildcard DNS for virtual-hosted buckets.
        forcePathStyle: env.AWS_S3_FORCE_PATH_STYLE ? env.AWS_S3_FORCE_PATH_STYLE === 'true' : endpoint !== null,
      },
    };
  }
  return { problems: [`IMAGE_STORE: expected fs:<dir>, s3://bucket/prefix or database, got "${v}"`] };
}

/** The store for a config (null = the database rows). */
export function createImageStore(config: ImageStoreConfig): ImageStore | null {
  switch (config.kind) {
    case 'database':
      return null;
    case 'fs':
      return new FilesystemImageStore(config.dir);
    case 's3':
      return new S3ImageStore(config);
  }
}

/** `fs:/dir`, `s3://bucket/prefix` or `database`, for logs and command output. */
export function describeImageStore(config: ImageStoreConfig): string {
  if (config.kind === 'database') return 'database';
  if (config.kind === 'fs') return `fs:${config.dir}`;
  return `s3://${config.bucket}${config.prefix ? `/${config.prefix}` : ''}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
}
