#!/usr/bin/env node
/**
 * Builds the pages into apps/web/dist when they are missing or older than their sources; otherwise does nothing
 * (a few stat calls). Run by the root `prepare` script (so `npm ci` on a fresh clone leaves built pages) and by
 * `npm start` before `refdiff serve` (so pages edited or pulled since the install are rebuilt). `--force` rebuilds;
 * `--check` only reports (exit 0 fresh, 1 stale); `--root DIR` looks at another copy of apps/web (tests).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultRoot = fileURLToPath(new URL('..', import.meta.url));

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

export function pagesAreStale(root = defaultRoot) {
  const builtIndex = join(root, 'dist', 'index.html');
  if (!existsSync(builtIndex)) return true;
  const sources = ['src', 'vite.config.ts', 'package.json'].map((p) => join(root, p)).filter(existsSync);
  return Math.max(...sources.map(newestMtime)) > statSync(builtIndex).mtimeMs;
}

export async function ensureBuilt({ force = false } = {}) {
  if (!force && !pagesAreStale()) return false;
  let vite;
  try {
    vite = await import('vite');
  } catch (err) {
    // An install without dev dependencies has no vite: say so instead of failing the install.
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    console.warn('refdiff web: vite is not installed (dev dependency of @refdiff/web); the pages are not built');
    return false;
  }
  const { build } = vite;
  await build({ configFile: join(defaultRoot, 'vite.config.ts') });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--root');
  if (process.argv.includes('--check')) {
    const stale = pagesAreStale(at > 0 ? process.argv[at + 1] : defaultRoot);
    console.log(stale ? 'stale' : 'fresh');
    process.exit(stale ? 1 : 0);
  }
  const started = Date.now();
  ensureBuilt({ force: process.argv.includes('--force') }).then(
    (built) => {
      if (built) console.log(`refdiff web: pages built into apps/web/dist in ${Date.now() - started} ms`);
    },
    (err) => {
      console.error('refdiff web: building the pages failed:', err);
      process.exit(1);
    },
  );
}
