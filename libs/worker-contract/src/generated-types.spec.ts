import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describe('src/__generated__', () => {
  it('is what `npm run generate` makes from proto/ today (regenerate and commit after editing the .proto)', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: { generate: string } };
    const args = pkg.scripts.generate.split(/\s+/).slice(1);
    const out = await mkdtemp(join(tmpdir(), 'worker-contract-gen-'));
    try {
      const outIndex = args.indexOf('-O');
      args[outIndex + 1] = out;
      const bin = fileURLToPath(import.meta.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js'));
      await promisify(execFile)(process.execPath, [bin, ...args], { cwd: root });
      const committed = join(root, 'src/__generated__');
      expect(await files(out)).toEqual(await files(committed));
      for (const f of await files(out)) {
        expect(await readFile(join(out, f), 'utf8'), f).toBe(await readFile(join(committed, f), 'utf8'));
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});
