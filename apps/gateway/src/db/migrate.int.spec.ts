import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { adminQuery, dropDatabase, uniqueDbName, urlFor } from '../../test/pg';
import { openPostgres } from './database';
import { readMigrations } from './migrate';

describe('migrateDeploy on the real PostgreSQL', () => {
  const name = uniqueDbName('refdiff_gw_migrate');
  afterAll(() => dropDatabase(name));

  it('applies every migration to an empty database, then applies nothing the second time', async () => {
    await adminQuery(`CREATE DATABASE "${name}"`);
    const migrations = await readMigrations();
    expect(migrations.length).toBeGreaterThan(0);

    const db = await openPostgres(urlFor(name), { poolMax: 2 });
    try {
      const first = await db.migrate();
      expect(first.applied).toEqual(migrations.map((m) => m.name));
      const second = await db.migrate();
      expect(second.applied).toEqual([]);
      expect(second.alreadyApplied).toEqual(migrations.map((m) => m.name));

      // Prisma Migrate's own history table, with its checksums: the native CLI would agree.
      const rows = await db.sql.query<{ migration_name: string; checksum: string; applied_steps_count: number }>(
        'SELECT migration_name, checksum, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows).toEqual(migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1 })));

      // The generated client works against the migrated schema.
      const t = await db.prisma.tenant.create({ data: { name: 'migrate-check' } });
      expect(await db.prisma.tenant.count()).toBe(1);
      expect(t.rateLimitPerMinute).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });

  it('runs safely when two processes deploy at once (advisory lock)', async () => {
    const other = uniqueDbName('refdiff_gw_migrate2');
    await adminQuery(`CREATE DATABASE "${other}"`);
    try {
      const a = await openPostgres(urlFor(other), { poolMax: 1 });
      const b = await openPostgres(urlFor(other), { poolMax: 1 });
      try {
        const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
        expect([...ra.applied, ...rb.applied].sort()).toEqual((await readMigrations()).map((m) => m.name));
      } finally {
        await a.close();
        await b.close();
      }
      const c = new pg.Client({ connectionString: urlFor(other) });
      await c.connect();
      const { rows } = await c.query('SELECT count(*)::int AS n FROM "_prisma_migrations"');
      await c.end();
      expect(rows[0].n).toBe((await readMigrations()).length);
    } finally {
      await dropDatabase(other);
    }
  });
});
