/**
 * Opens the gateway's database: PostgreSQL through node-postgres (DATABASE_URL), or embedded PGlite in a data folder
 * (the `refdiff serve` default). Both sides get the generated Prisma client over a driver adapter and a plain SqlRunner
 * for migrations; nothing else in the gateway knows which one it talks to.
 */
import { mkdir } from 'node:fs/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../__generated__/prisma/client';
import { migrateDeploy, type MigrateResult } from './migrate';
import { pgPoolRunner, pgliteRunner, type SqlRunner } from './sql-runner';

export type { PrismaClient } from '../__generated__/prisma/client';

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly prisma: PrismaClient;
  readonly sql: SqlRunner;
  migrate(): Promise<MigrateResult>;
  /** LISTEN on a channel; returns an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Runs `fn` while holding the advisory lock `key`, or returns `{ acquired: false }` at once when another session
   * (another replica) holds it. PostgreSQL: a session lock on a dedicated connection, so a replica that dies mid-run
   * releases it with its connection. PGlite lives in one process: an in-process flag.
   */
  tryWithAdvisoryLock<T>(key: number, fn: () => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }>;
  close(): Promise<void>;
}

export async function openPostgres(
  connectionString: string,
  options: { poolMax?: number; onIdleError?: (err: Error) => void } = {},
): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: options.poolMax ?? 10 });
  // An idle connection the server closed (restart, failover) is dropped from the pool and replaced on next use;
  // without a listener pg would crash the process.
  pool.on('error', (err) => options.onIdleError?.(err));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql = pgPoolRunner(pool);
  const listeners = new Set<pg.Client>();
  let closing = false;
  return {
    kind: 'postgres',
    prisma,
    sql,
    migrate: () => migrateDeploy(sql),
    listen: async (channel, onPayload) => {
      // A dedicated connection: pooled connections cannot hold a LISTEN. When the server drops it (restart,
      // failover, pg_terminate_backend) it is opened again (1 s, doubling to 15 s), so the process does not stay
      // deaf; what was announced meanwhile is lost (waiters and id subscriptions re-check on a timer).
      let stopped = false;
      let current: pg.Client | null = null;
      let retry: NodeJS.Timeout | null = null;
      const open = async (): Promise<void> => {
        const client = new pg.Client({ connectionString });
        client.on('notification', (n) => {
          if (n.channel === channel) onPayload(n.payload ?? '');
        });
        client.on('error', () => undefined);
        client.on('end', () => {
          listeners.delete(client);
          if (current !== client) return; // a failed attempt: its caller retries
          current = null;
          if (!stopped && !closing) reopen(1_000);
        });
        try {
          await client.connect();
          await client.query(`LISTEN "${channel.replace(/"/g, '')}"`);
        } catch (err) {
          await client.end().catch(() => undefined);
          throw err;
        }
        if (stopped || closing) return void (await client.end().catch(() => undefined));
        current = client;
        listeners.add(client);
      };
      const reopen = (delayMs: number) => {
        if (retry || stopped || closing) return;
        retry = setTimeout(() => {
          retry = null;
          open().catch(() => reopen(Math.min(delayMs * 2, 15_000)));
        }, delayMs);
        retry.unref?.();
      };
      await open();
      return async () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        const client = current;
        current = null;
        if (client) {
          listeners.delete(client);
          await client.end().catch(() => undefined);
        }
      };
    },
    tryWithAdvisoryLock: async (key, fn) => {
      const client = new pg.Client({ connectionString });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
        if (!rows[0]?.ok) return { acquired: false };
        try {
          return { acquired: true, value: await fn() };
        } finally {
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
        }
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    close: async () => {
      closing = true;
      await Promise.all([...listeners].map((c) => c.end().catch(() => undefined)));
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

/** dataDir: a folder (created if missing) or 'memory://' for a throw-away database. */
export async function openPglite(dataDir: string): Promise<Database> {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('pglite-prisma-adapter'),
  ]);
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  const sql = pgliteRunner(db);
  const held = new Set<number>();
  return {
    kind: 'pglite',
    prisma,
    sql,
    migrate: () => migrateDeploy(sql),
    listen: async (channel, onPayload) => {
      const unsubscribe = await db.listen(channel, onPayload);
      return async () => {
        await unsubscribe();
      };
    },
    tryWithAdvisoryLock: async (key, fn) => {
      if (held.has(key)) return { acquired: false };
      held.add(key);
      try {
        return { acquired: true, value: await fn() };
      } finally {
        held.delete(key);
      }
    },
    close: async () => {
      await prisma.$disconnect();
      await db.close();
    },
  };
}
