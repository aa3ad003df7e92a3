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
  const notifications = sharedListener(connectionString);
  return {
    kind: 'postgres',
    prisma,
    sql,
    migrate: () => migrateDeploy(sql),
    listen: (channel, onPayload) => notifications.listen(channel, onPayload),
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
      await notifications.close();
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

/**
 * Every channel this process LISTENs on, on one dedicated connection (pooled connections cannot hold a LISTEN). One
 * rather than one per channel: PostgreSQL wakes every listening backend of the database on each commit that
 * notifies, whatever the channel, and each wake-up is a transaction reading the notification queue — with three
 * channels (done, status, queue) that was three backends woken per notifying commit, about 9 transactions a request.
 * When the server drops the connection (restart, failover, pg_terminate_backend) it is opened again (1 s, doubling to
 * 15 s) with every channel, so the process does not stay deaf; what was announced meanwhile is lost (waiters and id
 * subscriptions re-check on a timer).
 */
function sharedListener(connectionString: string) {
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const quote = (channel: string) => `"${channel.replace(/"/g, '')}"`;
  let current: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let closing = false;
  // LISTEN, UNLISTEN, opening and closing run one at a time, in order
  let ops: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = ops.then(fn);
    ops = next.catch(() => undefined);
    return next;
  };
  const open = async (): Promise<void> => {
    const client = new pg.Client({ connectionString });
    client.on('notification', (n) => {
      for (const fn of handlers.get(n.channel) ?? []) fn(n.payload ?? '');
    });
    client.on('error', () => undefined);
    client.on('end', () => {
      if (current !== client) return; // a failed attempt (its caller retries) or a deliberate close
      current = null;
      if (!closing && handlers.size > 0) reopen(1_000);
    });
    try {
      await client.connect();
      await client.query([...handlers.keys()].map((c) => `LISTEN ${quote(c)};`).join(' '));
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (closing || handlers.size === 0) return void (await client.end().catch(() => undefined));
    current = client;
  };
  const reopen = (delayMs: number) => {
    if (retry || closing) return;
    retry = setTimeout(() => {
      retry = null;
      serial(() => (current || closing || handlers.size === 0 ? Promise.resolve() : open())).catch(() => reopen(Math.min(delayMs * 2, 15_000)));
    }, delayMs);
    retry.unref?.();
  };
  const end = async () => {
    const client = current;
    current = null;
    await client?.end().catch(() => undefined);
  };
  return {
    /** Resolves once the channel is listened to (the first LISTEN fails as the connection does: no retry). */
    listen: (channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> =>
      serial(async () => {
        let set = handlers.get(channel);
        const added = !set;
        if (!set) handlers.set(channel, (set = new Set()));
        const fn = (payload: string) => onPayload(payload);
        set.add(fn);
        try {
          if (!current) await open();
          else if (added) await current.query(`LISTEN ${quote(channel)}`);
        } catch (err) {
          set.delete(fn);
          if (set.size === 0) handlers.delete(channel);
          throw err;
        }
        return () =>
          serial(async () => {
            const now = handlers.get(channel);
            if (!now?.delete(fn) || now.size > 0) return;
            handlers.delete(channel);
            if (handlers.size === 0) {
              if (retry) clearTimeout(retry);
              retry = null;
              await end();
            } else await current?.query(`UNLISTEN ${quote(channel)}`).catch(() => undefined);
          });
      }),
    close: async () => {
      closing = true;
      if (retry) clearTimeout(retry);
      await end();
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
