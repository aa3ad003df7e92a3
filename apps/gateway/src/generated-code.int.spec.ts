/**
 * The generated code is committed (so `npm ci && npm test` needs no generation step): these tests regenerate it
 * into a temporary folder and fail when the committed copy is stale.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const app = fileURLToPath(new URL('..', import.meta.url));
const root = join(app, '..', '..');

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

describe('committed generated code', () => {
  it('src/__generated__/prisma matches prisma/schema.prisma (prisma generate)', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'refdiff-prisma-'));
    try {
      const committedOutput = '"../apps/gateway/src/__generated__/prisma"';
      const schema = await readFile(join(root, 'prisma', 'schema.prisma'), 'utf8');
      expect(schema).toContain(committedOutput);
      await writeFile(join(tmp, 'schema.prisma'), schema.replace(committedOutput, '"./out"'));
      await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'prisma', 'build', 'index.js'), 'generate', '--schema', 'schema.prisma'], {
        cwd: tmp,
        env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: join(app, 'tools', 'no-schema-engine.sh'), CHECKPOINT_DISABLE: '1' },
      });
      const fresh = join(tmp, 'out');
      const committed = join(app, 'src', '__generated__', 'prisma');
      const freshFiles = (await listFiles(fresh)).map((f) => relative(fresh, f));
      expect((await listFiles(committed)).map((f) => relative(committed, f))).toEqual(freshFiles);
      for (const f of freshFiles) {
        // The inlined schema differs only by the output path it was generated to.
        const a = (await readFile(join(fresh, f), 'utf8')).replace(/output\s*=\s*\\"\.\/out\\"/, 'OUTPUT');
        const b = (await readFile(join(committed, f), 'utf8')).replace(/output\s*=\s*\\"\.\.\/apps\/gateway\/src\/__generated__\/prisma\\"/, 'OUTPUT');
        expect(b, `${f} is stale: npm run -w @refdiff/gateway prisma:generate`).toBe(a);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it('src/__generated__/graphql.ts matches src/graphql/schema.graphql (graphql-codegen)', async () => {
    const { generate } = await import('@graphql-codegen/cli');
    const { default: config } = await import('../codegen');
    const cwd = process.cwd();
    process.chdir(app);
    try {
      const outputs = (await generate({ ...config, silent: true }, false)) as { filename: string; content: string }[];
      const out = outputs.find((o) => o.filename.endsWith('graphql.ts'));
      expect(out).toBeDefined();
      const committed = await readFile(join(app, 'src', '__generated__', 'graphql.ts'), 'utf8');
      expect(committed, 'stale: npm run -w @refdiff/gateway codegen').toBe(out?.content);
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);
});
