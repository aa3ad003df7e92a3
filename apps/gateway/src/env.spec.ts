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
});
