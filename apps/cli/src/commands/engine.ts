import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRefDiff, type RefDiff, type RefDiffModels } from '@refdiff/pipeline';

export interface EngineOptions {
  models?: string;
  threads?: number;
  imageCacheBytes?: number;
}

interface ModelsModule {
  loadPack(dir: string, options: { executionProvider: 'cpu' | 'cuda'; threads?: number }): Promise<RefDiffModels>;
  makeFixturePack(out: string, options?: Record<string, unknown>): Promise<unknown>;
}

/** Where the fixture pack is generated on first use: $REFDIFF_CACHE_DIR, else $XDG_CACHE_HOME/refdiff, else ~/.cache/refdiff. */
export function cacheDir(): string {
  return process.env.REFDIFF_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'refdiff');
}

/**
 * Loads the pack given with --models, or the fixture pack (generated into the cache folder on first use, with a
 * one-line notice: it only understands the synthetic world).
 */
export async function openEngine(o: EngineOptions, notice: (line: string) => void): Promise<RefDiff> {
  const mod = (await import('@refdiff/models')) as unknown as ModelsModule;
  let dir = o.models;
  if (!dir) {
    const { existsSync } = await import('node:fs');
    dir = join(cacheDir(), 'fixture-pack');
    if (!existsSync(join(dir, 'manifest.json'))) {
      if (typeof mod.makeFixturePack !== 'function') throw new Error('this build has no fixture pack generator; pass --models PACK');
      await mod.makeFixturePack(dir);
    }
    notice(`refdiff: no --models given; using the fixture pack in ${dir} — it only understands the synthetic world (coloured shapes on grey, see docs/synthetic-world.md)`);
  }
  const models = await mod.loadPack(dir, { executionProvider: 'cpu', threads: o.threads });
  return createRefDiff(models, { imageCacheBytes: o.imageCacheBytes ?? 512 * 1024 * 1024 });
}
