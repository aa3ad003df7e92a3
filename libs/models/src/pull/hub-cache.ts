/**
 * The huggingface_hub cache layout (what `huggingface-cli download` writes), so files a user already downloaded are
 * found and files we download are found by Python tools:
 *
 *   {cache}/models--{org}--{name}/blobs/{etag}               file content; etag = sha256 (LFS) or git blob sha1
 *   {cache}/models--{org}--{name}/blobs/{etag}.incomplete    a download in progress (resumed with HTTP Range)
 *   {cache}/models--{org}--{name}/snapshots/{commit}/{path}  relative symlink to ../../(..)/blobs/{etag}
 *   {cache}/models--{org}--{name}/refs/{revision}            the commit hash a branch or tag last resolved to
 *
 * Mirrors huggingface_hub's file_download.py (repo_folder_name, _create_symlink, _cache_commit_hash_for_specific_revision).
 */
import { copyFile, lstat, mkdir, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** `org/name` → `models--org--name` (huggingface_hub's repo_folder_name for repo_type 'model'). */
export function repoFolderName(repo: string): string {
  return ['models', ...repo.split('/')].join('--');
}

/** Where the hub cache is: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub (HF_HOME default $XDG_CACHE_HOME/huggingface, ~/.cache/huggingface). */
export function defaultHubCache(env: Readonly<Record<string, string | undefined>>, home: string): string {
  if (env.HF_HUB_CACHE) return expandHome(env.HF_HUB_CACHE, home);
  if (env.HUGGINGFACE_HUB_CACHE) return expandHome(env.HUGGINGFACE_HUB_CACHE, home);
  return join(defaultHfHome(env, home), 'hub');
}

export function defaultHfHome(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return expandHome(env.HF_HOME || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'huggingface'), home);
}

/** `~/x` → `{home}/x`, as huggingface_hub's os.path.expanduser (a quoted `~` reaches us unexpanded). */
function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** Paths of one repository in the cache. */
export class RepoCache {
  readonly root: string;
  constructor(
    cacheDir: string,
    readonly repo: string,
  ) {
    this.root = join(cacheDir, repoFolderName(repo));
  }

  blob(etag: string): string {
    return join(this.root, 'blobs', etag);
  }
  incomplete(etag: string): string {
    return join(this.root, 'blobs', `${etag}.incomplete`);
  }
  snapshot(commit: string): string {
    return join(this.root, 'snapshots', commit);
  }
  pointer(commit: string, path: string): string {
    return join(this.snapshot(commit), ...path.split('/'));
  }

  /**
   * Takes `.locks/models--…/{etag}.refdiff-lock` (our own name: huggingface_hub's `{etag}.lock` files are flock()ed
   * and left behind) so two processes never append to the same `.incomplete` file. A lock whose process is gone
   * (same host, pid not alive) is taken over. Returns the release function, or the pid holding it.
   */
  async lock(etag: string, cacheDir: string): Promise<{ release: () => Promise<void> } | { heldBy: string }> {
    const dir = join(cacheDir, '.locks', repoFolderName(this.repo));
    const path = join(dir, `${etag}.refdiff-lock`);
    await mkdir(dir, { recursive: true });
    const me = `${process.pid}@${hostname()}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, me, { flag: 'wx' });
        return { release: () => rm(path, { force: true }) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
      const [pid, host] = holder.split('@');
      if (host === hostname() && isAlive(Number(pid))) return { heldBy: holder };
      if (host !== hostname() && holder) return { heldBy: holder };
      await rm(path, { force: true }); // stale: its process is gone
    }
    return { heldBy: 'another process' };
  }

  /** The commit a revision resolved to last time, or the revision itself when it is a commit hash. */
  async resolveRef(revision: string): Promise<string | null> {
    if (COMMIT_HASH.test(revision)) return revision;
    try {
      const commit = (await readFile(join(this.root, 'refs', ...revision.split('/')), 'utf8')).trim();
      return COMMIT_HASH.test(commit) ? commit : null;
    } catch {
      return null;
    }
  }

  /** Records `refs/{revision}` → commit (atomically), unless the revision is the commit itself. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const ref = join(this.root, 'refs', ...revision.split('/'));
    try {
      if ((await readFile(ref, 'utf8')) === commit) return;
    } catch {
      // not there yet
    }
    await mkdir(dirname(ref), { recursive: true });
    const tmp = `${ref}.${process.pid}.tmp`;
    await writeFile(tmp, commit);
    await rename(tmp, ref);
  }

  /**
   * Makes `snapshots/{commit}/{path}` point at `blobs/{etag}` with a relative symlink (so the cache can be moved);
   * where symlinks are refused (some Windows setups) the blob is copied, as huggingface_hub does.
   */
  async linkPointer(commit: string, path: string, etag: string): Promise<string> {
    const pointer = this.pointer(commit, path);
    const blob = this.blob(etag);
    await mkdir(dirname(pointer), { recursive: true });
    await rm(pointer, { force: true });
    try {
      await symlink(relative(dirname(pointer), blob), pointer);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EACCES') throw err;
      await copyFile(blob, pointer);
    }
    return pointer;
  }

  /** Size of an existing file (following symlinks), or null. */
  static async sizeOf(path: string): Promise<number | null> {
    try {
      const s = await stat(path);
      return s.isFile() ? s.size : null;
    } catch {
      return null;
    }
  }

  /** Whether a snapshot pointer exists but its blob is gone (a dangling symlink). */
  static async isDangling(path: string): Promise<boolean> {
    try {
      await lstat(path);
    } catch {
      return false;
    }
    return (await RepoCache.sizeOf(path)) === null;
  }

  /** Every file under `snapshots/{commit}` as repository paths (for offline use without a listing). */
  async snapshotFiles(commit: string): Promise<string[]> {
    const dir = this.snapshot(commit);
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    const out: string[] = [];
    for (const e of entries) {
      const full = join(e.parentPath, e.name);
      if ((await RepoCache.sizeOf(full)) !== null) out.push(relative(dir, full).split('\\').join('/'));
    }
    return out.sort();
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
