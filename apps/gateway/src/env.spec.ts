import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env';

describe('loadConfig', () => {
  it('defaults to the embedded mode on 127.0.0.1:4000 with .refdiff/', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ databaseUrl: null, workers: [], host: '127.0.0.1', port: 4000, dispatch: true });
    expect(c.dataDir.endsWith('.refdiff')).toBe(true);
  });

  it('lets flags override the environment and splits WORKERS', () => {
    const c = loadConfig({ PORT: '5000', WORKERS: 'a:1, dns:w.svc:50051' }, { port: '6000' });
    expect(c.port).toBe(6000);
    expect(c.workers).toEqual(['a:1', 'dns:w.svc:50051']);
  });

  it('reports every invalid variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'abc', LEASE_MS: '-1', DATABASE_URL: 'not a url' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('PORT');
    expect(msg).toContain('LEASE_MS');
    expect(msg).toContain('DATABASE_URL');
  });

  it('turns GraphQL introspection off by default in production; GRAPHQL_INTROSPECTION decides either way', () => {
    expect(loadConfig({}).introspection).toBe('on');
    expect(loadConfig({ NODE_ENV: 'production' }).introspection).toBe('off');
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'on' }).introspection).toBe('on');
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'authenticated' }).introspection).toBe('authenticated');
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'off' }).introspection).toBe('off');
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'yes' })).toThrow(ConfigError);
  });

  it('sweeps retention every 60 s by default; RETENTION_SWEEP_SECONDS=0 switches the sweeper off', () => {
    expect(loadConfig({}).retentionSweepMs).toBe(60_000);
    expect(loadConfig({ RETENTION_SWEEP_SECONDS: '0' }).retentionSweepMs).toBe(0);
  });

  describe('IMAGE_STORE', () => {
    const PG = 'postgresql://u@127.0.0.1:5432/db';

    it('defaults to files under the data folder in embedded mode and to the rows with DATABASE_URL', () => {
      expect(loadConfig({ REFDIFF_DATA_DIR: '/srv/rd' }).imageStore).toEqual({ kind: 'fs', dir: '/srv/rd/images' });
      expect(loadConfig({ DATABASE_URL: PG }).imageStore).toEqual({ kind: 'database' });
      expect(loadConfig({ DATABASE_URL: PG, IMAGE_STORE: 'filesystem', REFDIFF_DATA_DIR: '/srv/rd' }).imageStore).toEqual({ kind: 'fs', dir: '/srv/rd/images' });
      expect(loadConfig({ IMAGE_STORE: 'fs:imgs' }).imageStore).toEqual({ kind: 'fs', dir: resolve('imgs') });
      expect(loadConfig({ IMAGE_STORE: 'database' }).imageStore).toEqual({ kind: 'database' });
    });

    it('s3://bucket/prefix takes region, endpoint and path style from the AWS variables', () => {
      expect(loadConfig({ IMAGE_STORE: 's3://refdiff-images/prod/v1/', AWS_REGION: 'eu-west-1' }).imageStore).toEqual({
        kind: 's3', bucket: 'refdiff-images', prefix: 'prod/v1', region: 'eu-west-1', endpoint: null, forcePathStyle: false,
      });
      // A custom endpoint (MinIO, Ceph) gets path-style addressing unless told otherwise; _S3 wins over the generic one.
      const minio = loadConfig({
        IMAGE_STORE: 's3://imgs', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://other:1', AWS_ENDPOINT_URL_S3: 'http://minio:9000',
      }).imageStore;
      expect(minio).toEqual({ kind: 's3', bucket: 'imgs', prefix: '', region: 'us-east-1', endpoint: 'http://minio:9000', forcePathStyle: true });
      const r2 = loadConfig({ IMAGE_STORE: 's3://imgs', AWS_REGION: 'auto', AWS_ENDPOINT_URL: 'https://acct.r2.cloudflarestorage.com', AWS_S3_FORCE_PATH_STYLE: 'false' });
      expect(r2.imageStore).toMatchObject({ endpoint: 'https://acct.r2.cloudflarestorage.com', forcePathStyle: false });
    });

    it('refuses what cannot work, naming the variable', () => {
      const msg = (env: NodeJS.ProcessEnv) => {
        try {
          loadConfig(env);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          return (e as Error).message;
        }
        throw new Error('expected a ConfigError');
      };
      expect(msg({ IMAGE_STORE: 's3://imgs' })).toMatch(/AWS_REGION: required/);
      expect(msg({ IMAGE_STORE: 's3://Bad_Bucket', AWS_REGION: 'x' })).toMatch(/not a valid bucket name/);
      expect(msg({ IMAGE_STORE: 's3://imgs/../x', AWS_REGION: 'x' })).toMatch(/prefix/);
      expect(msg({ IMAGE_STORE: 'fs:' })).toMatch(/fs: needs a folder/);
      expect(msg({ IMAGE_STORE: 'gcs://x' })).toMatch(/expected fs:<dir>, s3:\/\/bucket\/prefix or database/);
      expect(msg({ AWS_ACCESS_KEY_ID: 'AKIA' })).toMatch(/set both or neither/);
      expect(msg({ AWS_ENDPOINT_URL_S3: 'not a url' })).toMatch(/AWS_ENDPOINT_URL_S3/);
      expect(msg({ AWS_S3_FORCE_PATH_STYLE: 'yes' })).toMatch(/AWS_S3_FORCE_PATH_STYLE/);
    });
  });
});
