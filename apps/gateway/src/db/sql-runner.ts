/**
 * The smallest SQL surface the migration runner, the hot path and the tests need, over both node-postgres and
 * embedded PGlite. `exec` sends a whole script in one simple-protocol round trip (several statements, no parameters).
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Client, Pool } from 'pg';

export interface SqlRunner {
  /**
   * `name`: a statement run often (the request hot path) — node-postgres prepares it once per connection and then only
   * binds and executes it (no parse or analysis per call, and a generic plan once PostgreSQL finds it no worse than
   * the custom ones); one name must always go with one text. PGlite runs it unnamed (its query API has no names).
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], name?: string): Promise<R[]>;
  exec(script: string): Promise<void>;
  /** Runs fn on one connection (locks and transactions need that). */
  session<T>(fn: (runner: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs fn in one transaction (BEGIN … COMMIT, ROLLBACK when fn throws) on one connection. */
  transaction<T>(fn: (runner: SqlRunner) => Promise<T>): Promise<T>;
}

async function inTransaction<T>(runner: SqlRunner, fn: (runner: SqlRunner) => Promise<T>): Promise<T> {
  await runner.exec('BEGIN');
  try {
    const value = await fn(runner);
    await runner.exec('COMMIT');
    return value;
  } catch (err) {
    await runner.exec('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export function pgClientRunner(client: Client | import('pg').PoolClient): SqlRunner {
  const runner: SqlRunner = {
    query: async <R>(sql: string, params?: unknown[], name?: string) =>
      (await (name ? client.query({ name, text: sql, values: params }) : client.query(sql, params))).rows as R[],
    exec: async (script) => {
      await client.query(script);
    },
    session: (fn) => fn(runner),
    transaction: (fn) => inTransaction(runner, fn),
  };
  return runner;
}

export function pgPoolRunner(pool: Pool): SqlRunner {
  return {
    // a named statement is prepared on each pooled connection the first time that connection runs it
    query: async <R>(sql: string, params?: unknown[], name?: string) =>
      (await (name ? pool.query({ name, text: sql, values: params }) : pool.query(sql, params))).rows as R[],
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
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        return await inTransaction(pgClientRunner(client), fn);
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
    // PGlite's own transaction holds its connection for fn alone (other queries wait), as Prisma's adapter does.
    transaction: (fn) => db.transaction((tx) => fn(pgliteTxRunner(tx))),
  };
  return runner;
}

function pgliteTxRunner(tx: Transaction): SqlRunner {
  const runner: SqlRunner = {
    query: async <R>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows,
    exec: async (script) => {
      await tx.exec(script);
    },
    session: (fn) => fn(runner),
    transaction: (fn) => fn(runner),
  };
  return runner;
}
