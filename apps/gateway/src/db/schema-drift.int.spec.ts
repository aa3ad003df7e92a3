import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diffMigrationsToSchema } from './schema-engine';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('prisma/migrations', () => {
  it('replays to exactly prisma/schema.prisma (Prisma schema engine, wasm build)', async () => {
    const sql = await diffMigrationsToSchema(`${root}prisma/schema.prisma`, `${root}prisma/migrations`);
    // The engine prints an "empty migration" comment when there is nothing to do.
    const statements = sql
      .split('\n')
      .filter((line) => line.trim() && !line.trim().startsWith('--'))
      .join('\n');
    expect(statements).toBe('');
  }, 60_000);
});
