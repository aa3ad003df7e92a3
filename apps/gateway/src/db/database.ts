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
  return {
    kind: 'postgres',
    prisma,
    sql,
    migrate: () => migrateDeploy(sql),
    listen: async (channel, onPayload) => {
      // A dedicated connection: pooled connections cannot hold a LISTEN.
      const client = new pg.Client({ connectionString });
      await client.connect();
      client.on('notification', (n) => {
        if (n.channel === channel) onPayload(n.payload ?? '');
      });
      client.on('error', () => undefined);
      await client.query(`LISTEN "${channel.replace(/"/g, '')}"`);
      listeners.add(client);
      return async () => {
        listeners.delete(client);
        await client.end().catch(() => undefined);
      };
    },
    close: async () => {
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
    close: async () => {
      await prisma.$disconnect();
      await db.close();
    },
  };
}
