/**
 * `migrate deploy` without the native engine: applies prisma/migrations in order, keeping Prisma Migrate's own
 * `_prisma_migrations` table (same DDL, checksum = sha256 of migration.sql, applied_steps_count 1, the same advisory
 * lock), so a host with the native CLI sees the same history and `prisma migrate deploy` agrees with it.
 * Each migration runs in one transaction together with its history row: a failing migration leaves nothing behind
 * (the native engine would record it as failed and block; here there is nothing half-applied to resolve).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlRunner } from './sql-runner';

/** prisma/migrations in this repository. */
export const defaultMigrationsDir = fileURLToPath(new URL('../../../../prisma/migrations', import.meta.url));

// Prisma's schema engine takes this lock around migrate commands (see its sql-schema-connector).
const ADVISORY_LOCK = 72707369;

const HISTORY_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFileEntry {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export async function readMigrations(dir = defaultMigrationsDir): Promise<MigrationFileEntry[]> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export async function migrateDeploy(runner: SqlRunner, dir = defaultMigrationsDir): Promise<MigrateResult> {
  const migrations = await readMigrations(dir);
  return runner.session(async (db) => {
    await db.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK]);
    try {
      await db.exec(HISTORY_DDL);
      const rows = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
      );
      const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
      if (failed) {
        throw new MigrationError(
          `migration ${failed.migration_name} is recorded as failed; resolve it (prisma migrate resolve) before deploying`,
        );
      }
      const done = new Set(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => r.migration_name));
      const known = new Set(migrations.map((m) => m.name));
      const unknown = [...done].filter((n) => !known.has(n));
      if (unknown.length > 0) {
        throw new MigrationError(`the database has migrations this build does not know: ${unknown.join(', ')}`);
      }
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.name)) continue;
        await db.exec('BEGIN');
        try {
          const id = randomUUID();
          await db.query(
            'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
            [id, m.checksum, m.name],
          );
          await db.exec(m.sql);
          await db.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
          await db.exec('COMMIT');
        } catch (err) {
          await db.exec('ROLLBACK');
          throw new MigrationError(`migration ${m.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        applied.push(m.name);
      }
      return { applied, alreadyApplied: migrations.filter((m) => done.has(m.name)).map((m) => m.name) };
    } finally {
      await db.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK]);
    }
  });
}
