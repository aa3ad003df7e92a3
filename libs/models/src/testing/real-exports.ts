/**
 * The real-structure exports in `shared/real-exports` (tiny random-weight graphs written by the upstream exporters),
 * copied into a temporary folder: tests never write into shared/. CI clones the repository beside `shared/`, so the
 * folder is `<repo>/../shared/real-exports`; `REFDIFF_REAL_EXPORTS` points elsewhere.
 */
import { access, chmod, cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The read-only source folder, or null when it is not there. */
export async function findRealExports(): Promise<string | null> {
  const dir = process.env.REFDIFF_REAL_EXPORTS ?? join(repoRoot, '..', 'shared', 'real-exports');
  try {
    await access(join(dir, 'README.md'));
    return dir;
  } catch {
    return null;
  }
}

/**
 * Whether the real exports are available; in CI (CI=true) their absence is an error, not a skip,
 * so a missing shared/ folder cannot turn these tests green by skipping them.
 */
export async function realExportsAvailable(): Promise<boolean> {
  const dir = await findRealExports();
  if (dir) return true;
  const where = process.env.REFDIFF_REAL_EXPORTS ?? join(repoRoot, '..', 'shared', 'real-exports');
  if (process.env.CI === 'true') throw new Error(`real exports not found at ${where} (set REFDIFF_REAL_EXPORTS)`);
  console.warn(`skipping real-export tests: ${where} not found (set REFDIFF_REAL_EXPORTS)`);
  return false;
}

/** A writable copy of the real exports in a new temporary folder; `dispose` removes it. */
export async function copyRealExports(): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const src = await findRealExports();
  if (!src) throw new Error('real exports not found (see realExportsAvailable)');
  const dir = await mkdtemp(join(tmpdir(), 'refdiff-real-exports-'));
  await cp(src, dir, { recursive: true });
  // shared/ may be laid out without write bits; the copy must be writable (tests edit graphs in place)
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    await chmod(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
