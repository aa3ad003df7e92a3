/**
 * A gateway on a cloned test database, served on 127.0.0.1:0, with helpers that speak to it over real HTTP.
 */
import pino from 'pino';
import { openPostgres, type Database } from '../src/db/database';
import type { WorkerPool } from '../src/dispatch/worker-pool';
import { createHttpApp, defaultHttpLimits, type GatewayHttp, type HttpLimits, type HttpOptions } from '../src/http/app';
import { createServices, type ServiceSettings, type Services } from '../src/services';
import { cloneTemplate } from './pg';

export interface Harness {
  db: Database;
  services: Services;
  http: GatewayHttp;
  url: string;
  dbUrl: string;
  close(): Promise<void>;
}

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startHarness(
  options: { pool?: WorkerPool | null; limits?: Partial<HttpLimits>; settings?: ServiceSettings; http?: HttpOptions } = {},
): Promise<Harness> {
  const clone = await cloneTemplate();
  const db = await openPostgres(clone.url, { poolMax: 5 });
  const services = createServices(db, silentLogger, options.pool ?? null, { authCacheMs: 0, waitRecheckMs: 200, ...options.settings });
  const http = await createHttpApp(services, { ...defaultHttpLimits, ...options.limits }, options.http);
  const port = await http.listen(0);
  return {
    db,
    services,
    http,
    url: `http://127.0.0.1:${port}`,
    dbUrl: clone.url,
    close: async () => {
      await http.close();
      await db.close();
      await clone.drop();
    },
  };
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data: T | null | undefined;
  errors: { message: string; extensions?: { code?: string } & Record<string, unknown>; path?: unknown[] }[] | undefined;
}

export async function gql<T = Record<string, any>>(
  url: string,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: GqlResult['errors'] };
  return { status: res.status, data: body.data, errors: body.errors };
}

export function codes(r: GqlResult): (string | undefined)[] {
  return (r.errors ?? []).map((e) => e.extensions?.code);
}

export async function upload(url: string, token: string | null, bytes: Uint8Array, contentType = 'image/png') {
  const res = await fetch(`${url}/v1/images`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: bytes,
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

/** A tenant with a READ+SEGMENT key, created through the services (what `refdiff tenants create` does). */
export async function makeTenant(services: Services, name: string, quotas: Parameters<Services['tenants']['create']>[1] = {}) {
  const tenant = await services.tenants.create(name, quotas);
  const { token, key } = await services.apiKeys.create(tenant.id, 'test', ['READ', 'SEGMENT']);
  return { tenant, token, key };
}
