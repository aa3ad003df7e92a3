/**
 * The typed documents are committed (so `npm ci && npm test` needs no generation step): regenerate them from the
 * gateway's schema and this library's operations, and fail when the committed copy is stale (a schema change that
 * breaks an operation fails here too, as a codegen error).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lib = fileURLToPath(new URL('..', import.meta.url));

describe('committed typed documents', () => {
  it('src/__generated__/graphql.ts matches the gateway schema and src/operations.graphql (graphql-codegen)', async () => {
    const { generate } = await import('@graphql-codegen/cli');
    const { default: config } = await import('../codegen');
    const cwd = process.cwd();
    process.chdir(lib);
    try {
      const outputs = (await generate({ ...config, silent: true }, false)) as { filename: string; content: string }[];
      const out = outputs.find((o) => o.filename.endsWith('graphql.ts'));
      expect(out).toBeDefined();
      const committed = await readFile(join(lib, 'src', '__generated__', 'graphql.ts'), 'utf8');
      expect(committed, 'stale: npm run -w @refdiff/client codegen').toBe(out?.content);
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);
});
