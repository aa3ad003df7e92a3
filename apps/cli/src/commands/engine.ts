import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureFixturePack, loadPack, parseByteSize } from '@refdiff/models';
import { createRefDiff, type RefDiff } from '@refdiff/pipeline';

export interface EngineOptions {
  models?: string;
  threads?: number;
  imageCacheBytes?: number;
}

/** Where the fixture pack is generated on first use: $REFDIFF_CACHE_DIR, else $XDG_CACHE_HOME/refdiff, else ~/.cache/refdiff. */
export function cacheDir(): string {
  return process.env.REFDIFF_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'refdiff');
}

/** REFDIFF_MAX_MODEL_MEMORY (docs/models.md, "Memory"): unset = 80% of the memory free at each model call. */
function maxModelMemory(): { maxModelMemory?: number } {
  const v = process.env.REFDIFF_MAX_MODEL_MEMORY?.trim();
  if (!v) return {};
  try {
    return { maxModelMemory: parseByteSize(v) };
  } catch (err) {
    throw new Error(`REFDIFF_MAX_MODEL_MEMORY: ${(err as Error).message}`);
  }
}

/**
 * Loads the pack given with --models, or the fixture pack — generated into the cache folder on first use (a folder
 * per fixture design, so a changed design never loads a stale pack), with a one-line notice that it only
 * understands the synthetic world.
 */
export async function openEngine(o: EngineOptions, notice: (line: string) => void): Promise<RefDiff> {
  let dir = o.models;
  if (!dir) {
    dir = await ensureFixturePack(cacheDir(), (d) => notice(`refdiff: generating the fixture pack in ${d} (first use)`));
    notice(`refdiff: no --models given; using the fixture pack, which only understands the synthetic world (coloured shapes on grey, docs/synthetic-world.md)`);
  }
  const models = await loadPack(dir, { executionProvider: 'cpu', ...(o.threads ? { threads: o.threads } : {}), ...maxModelMemory() });
  return createRefDiff(models, { imageCacheBytes: o.imageCacheBytes ?? 512 * 1024 * 1024 });
}
