import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_CONSTANTS, fixtureExportFiles, loadPack, makeFixturePack, parseByteSize, PREPARE_REVISION } from '@refdiff/models';
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

/**
 * A hash of the fixture's export bytes, constants and prepare's revision (~0.1 s): a changed fixture design or a
 * prepare that writes different graphs gets a new cache folder.
 */
export function fixtureDesignHash(): string {
  const h = createHash('sha256').update(JSON.stringify(FIXTURE_CONSTANTS)).update(PREPARE_REVISION);
  for (const [path, bytes] of fixtureExportFiles()) h.update(path).update(bytes);
  return h.digest('hex').slice(0, 16);
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
    dir = join(cacheDir(), `fixture-pack-${fixtureDesignHash()}`);
    if (!existsSync(join(dir, 'manifest.json'))) {
      notice(`refdiff: generating the fixture pack in ${dir} (first use)`);
      // built beside and renamed into place, so concurrent first uses never see a half-written pack
      const staging = `${dir}.staging-${process.pid}`;
      await makeFixturePack(staging);
      try {
        await rename(staging, dir);
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        if (!existsSync(join(dir, 'manifest.json'))) throw err;
      }
    }
    notice(`refdiff: no --models given; using the fixture pack, which only understands the synthetic world (coloured shapes on grey, docs/synthetic-world.md)`);
  }
  const models = await loadPack(dir, { executionProvider: 'cpu', ...(o.threads ? { threads: o.threads } : {}), ...maxModelMemory() });
  return createRefDiff(models, { imageCacheBytes: o.imageCacheBytes ?? 512 * 1024 * 1024 });
}
