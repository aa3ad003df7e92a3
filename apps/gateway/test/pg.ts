/**
 * Test databases on the real PostgreSQL (127.0.0.1:5432 unless TEST_DATABASE_URL says otherwise): vitest's global
 * setup migrates one template database per run; each test file clones it (CREATE DATABASE … TEMPLATE …) and drops it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function urlFor(database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function uniqueDbName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** A fresh database cloned from the migrated template; returns its URL and a drop function. */
export async function cloneTemplate(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const template = process.env.REFDIFF_TEST_TEMPLATE_DB;
  if (!template) throw new Error('REFDIFF_TEST_TEMPLATE_DB is not set: run the tests through vitest (global setup)');
  const name = uniqueDbName('refdiff_gw_test');
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  return { url: urlFor(name), name, drop: () => dropDatabase(name) };
}

/**
 * For one test file: a database cloned from the template before the file's tests (dropped after them) and a stack
 * of cleanups each test pushes to, run newest first after every test (a failing cleanup does not stop the others).
 */
export function useClonedDatabase(): { readonly url: string; readonly cleanups: (() => Promise<void>)[] } {
  let clone: Awaited<ReturnType<typeof cloneTemplate>> | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    clone = await cloneTemplate();
  });
  afterEach(async () => {
    for (let next = cleanups.pop(); next; next = cleanups.pop()) await next().catch(() => undefined);
  });
  afterAll(() => clone?.drop());
  return {
    get url() {
      if (!clone) throw new Error('useClonedDatabase: the database exists only once beforeAll has run');
      return clone.url;
    },
    cleanups,
  };
}
