/**
 * The smallest SQL surface the migration runner and the tests need, over both node-postgres and embedded PGlite.
 * `exec` sends a whole script in one simple-protocol round trip (several statements, no parameters).
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Client, Pool } from 'pg';

export interface SqlRunner {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  exec(script: string): Promise<void>;
  /** Runs fn on one connection (locks and transactions need that). */
  session<T>(fn: (runner: SqlRunner) => Promise<T>): Promise<T>;
}

export function pgClientRunner(client: Client | import('pg').PoolClient): SqlRunner {
  const runner: SqlRunner = {
    query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
    exec: async (script) => {
      await client.query(script);
    },
    session: (fn) => fn(runner),
  };
  return runner;
}

export function pgPoolRunner(pool: Pool): SqlRunner {
  return {
    query: async <R>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as R[],
    exec: async (script) => {
      await pool.query(script);
    },
    session: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn(pgClientRunner(client));
      } finally {
        client.release();
      }
    },
  };
}

export function pgliteRunner(db: PGlite): SqlRunner {
  const runner: SqlRunner = {
    query: async <R>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows,
    exec: async (script) => {
      await db.exec(script);
    },
    // PGlite has exactly one connection.
    session: (fn) => fn(runner),
  };
  return runner;
}
