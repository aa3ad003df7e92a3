/**
 * Prisma's schema engine compiled to wasm (@prisma/schema-engine-wasm), wired by hand: its package entry cannot load
 * on Node 20, and the native engine is a download this project does not depend on. Used by the `migrate:diff` tool
 * and by the test that proves prisma/migrations matches prisma/schema.prisma. Runtime migrations use the small
 * runner in migrate.ts instead (same `_prisma_migrations` table), so the server never loads this wasm.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

export interface MigrationListInput {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  shadowDbInitScript: string;
  migrationDirectories: { path: string; migrationFile: { path: string; content: { tag: 'ok'; value: string } } }[];
}

interface SchemaEngineLike {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
}

/** Reads prisma/migrations the way the Prisma CLI does (sorted directories, each with a migration.sql). */
export async function readMigrationList(migrationsDir: string): Promise<MigrationListInput> {
  const entries = (await readdir(migrationsDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    entries.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  );
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  const lock = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lock },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/**
 * pglite-prisma-adapter 0.7.2's executeScript does not await `exec` (a failing script would look applied):
 * this factory awaits it. Its shadow database is a throw-away in-memory PGlite.
 */
function pgliteFactory(db: PGlite): SqlMigrationAwareDriverAdapterFactory {
  const base = new PrismaPGlite(db);
  const fix = async <T extends { executeScript(script: string): Promise<void> }>(adapter: T, client: PGlite) => {
    adapter.executeScript = async (script: string) => {
      await client.exec(script);
    };
    return adapter;
  };
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => fix(await base.connect(), db),
    connectToShadowDb: async () => {
      const shadow = new PGlite();
      const factory = new PrismaPGlite(shadow);
      return fix(await factory.connect(), shadow);
    },
  } as unknown as SqlMigrationAwareDriverAdapterFactory;
}

/** Boots the wasm schema engine on a throw-away in-memory PGlite: enough for diffs, no server needed. */
export async function withSchemaEngine<T>(
  schemaPath: string,
  fn: (engine: SchemaEngineLike, schemaText: string) => Promise<T>,
): Promise<T> {
  const require = createRequire(import.meta.url);
  const rt = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as Record<string, unknown> & {
    __wbg_set_wasm(exports: unknown): void;
    SchemaEngine: { new: (options: unknown, log: (line: string) => void, adapter: unknown) => Promise<SchemaEngineLike> };
  };
  const wasmPath = join(dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm');
  const { instance } = await (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array, i: unknown): Promise<{ instance: { exports: unknown } }> } }).WebAssembly.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': rt } as never);
  rt.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  const schemaText = await readFile(schemaPath, 'utf8');
  const db = new PGlite();
  try {
    const engine = await rt.SchemaEngine.new(
      { datamodels: [[schemaPath, schemaText]] },
      () => undefined,
      bindMigrationAwareSqlAdapterFactory(pgliteFactory(db)),
    );
    return await fn(engine, schemaText);
  } finally {
    await db.close();
  }
}

/** The SQL that takes a database from `from` (the migrations folder, or nothing) to the schema; '' when they agree. */
export async function diffMigrationsToSchema(schemaPath: string, migrationsDir: string | null): Promise<string> {
  return withSchemaEngine(schemaPath, async (engine, schemaText) => {
    const list = migrationsDir ? await readMigrationList(migrationsDir) : null;
    const from = list && list.migrationDirectories.length > 0 ? { tag: 'migrations', ...list } : { tag: 'empty' };
    const result = await engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schemaText }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? '';
  });
}
