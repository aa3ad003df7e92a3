/**
 * `pullExports`: fetches the files `prepare` needs from three Hugging Face hub repositories into the huggingface_hub
 * cache (reusing whatever is already there) and returns each repository's snapshot folder, ready for `preparePack`.
 * Configuration arrives as arguments (the CLI reads HF_ENDPOINT, HF_TOKEN, HF_HOME / HF_HUB_CACHE).
 */
import { readFile } from 'node:fs/promises';
import { HubError } from '../errors';
import { readGraphSummary } from '../onnx/wire';
import { downloadBlob } from './download';
import { externalDataPath, filesFor, type PullRole } from './export-files';
import { RepoCache } from './hub-cache';
import { HubClient, type FileMetadata, type RevisionInfo } from './hub-client';
import { silentProgress, type PullProgress } from './progress';

export interface RepoRef {
  readonly repo: string;
  /** branch, tag or commit (default main) */
  readonly revision?: string;
}

export interface PullExportsOptions {
  readonly repos: Readonly<Record<PullRole, RepoRef>>;
  /** the hub, e.g. https://huggingface.co */
  readonly endpoint: string;
  readonly token?: string;
  /** the huggingface_hub cache folder (HF_HUB_CACHE, default ~/.cache/huggingface/hub) */
  readonly cacheDir: string;
  /** use only what the cache holds (HF_HUB_OFFLINE) */
  readonly offline?: boolean;
  readonly progress?: PullProgress;
  /** extra attempts per file after a dropped connection (each resumes with Range); default 2 */
  readonly retries?: number;
  readonly signal?: AbortSignal;
  readonly userAgent?: string;
  /** for tests */
  readonly fetch?: typeof fetch;
  readonly freeBytes?: (dir: string) => Promise<number>;
}

export interface PulledFile {
  readonly path: string;
  readonly size: number;
  /** 'cache': already there; 'download': fetched (maybe resumed) in this run */
  readonly from: 'cache' | 'download';
  readonly downloadedBytes: number;
}

export interface PulledRepo {
  readonly role: PullRole;
  readonly repo: string;
  readonly revision: string;
  readonly commit: string;
  /** `snapshots/{commit}`: the folder to give `prepare` */
  readonly dir: string;
  readonly files: readonly PulledFile[];
  /** the hub could not be reached and the cache held everything */
  readonly offline: boolean;
}

export interface PullResult {
  readonly repos: Readonly<Record<PullRole, PulledRepo>>;
  readonly downloadedBytes: number;
}

const SHA256 = /^[0-9a-f]{64}$/;
const GIT_SHA1 = /^[0-9a-f]{40}$/;

export async function pullExports(options: PullExportsOptions): Promise<PullResult> {
  const client = new HubClient({ endpoint: options.endpoint, token: options.token, userAgent: options.userAgent, fetch: options.fetch });
  const repos = {} as Record<PullRole, PulledRepo>;
  let downloadedBytes = 0;
  // every repository is resolved and checked (names, revisions, files, access) before any download starts:
  // a gated SAM should not be found out after the SD weights have been downloaded
  const plans: { role: PullRole; run: () => Promise<PulledRepo> }[] = [];
  for (const role of ['sd', 'clip', 'sam'] as const) plans.push({ role, run: await planRepo(role, options.repos[role], client, options) });
  for (const { role, run } of plans) {
    const pulled = await run();
    repos[role] = pulled;
    downloadedBytes += pulled.files.reduce((n, f) => n + f.downloadedBytes, 0);
  }
  return { repos, downloadedBytes };
}

async function planRepo(role: PullRole, ref: RepoRef, client: HubClient, o: PullExportsOptions): Promise<() => Promise<PulledRepo>> {
  const { repo } = ref;
  const revision = ref.revision ?? 'main';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new HubError('HUB_REPO_NOT_FOUND', `'${repo}' is not a hub repository id (expected org/name, e.g. Xenova/sam-vit-base)`);
  }
  const cache = new RepoCache(o.cacheDir, repo);
  const progress = o.progress ?? silentProgress;
  const label = `${repo}@${revision}`;

  let info: RevisionInfo | null = null;
  let offline = Boolean(o.offline);
  if (!offline) {
    try {
      info = await client.revisionInfo(repo, revision, role);
    } catch (err) {
      // like huggingface_hub: when the hub cannot be reached, a complete cached snapshot still serves
      if (!(err instanceof HubError && err.code === 'HUB_NETWORK')) throw err;
      const cachedCommit = await cache.resolveRef(revision);
      if (!cachedCommit) throw err;
      progress.note(`${label}: ${err.message}; trying the cache (${cache.snapshot(cachedCommit)})`);
      offline = true;
    }
  }
  const commit = info?.commit ?? (await cache.resolveRef(revision));
  if (!commit) {
    throw new HubError(
      'HUB_NOT_CACHED',
      `${label} is not in the cache ${o.cacheDir} (no refs/${revision} in ${cache.root}) and the hub is not used (offline): ` +
        'run once with network, or copy a huggingface-cli cache there (HF_HUB_CACHE), or download the folders and use `refdiff models prepare`',
    );
  }
  if (info) await cache.writeRef(revision, commit);

  const available = new Set(info ? info.files.keys() : await cache.snapshotFiles(commit));
  const where = `${repo}@${revision}${revision === commit ? '' : ` (${commit.slice(0, 10)})`}`;
  const files: PulledFile[] = [];

  const metadata = new Map<string, FileMetadata>();
  const planned = filesFor(role, available, where);
  if (info) {
    // access check: the hub lists gated repositories' files but refuses their content (401/403)
    for (const path of planned) {
      if ((await RepoCache.sizeOf(cache.pointer(commit, path))) !== null) continue;
      metadata.set(path, await client.fileMetadata(repo, commit, path));
      break;
    }
  }

  const fetchFile = async (path: string): Promise<string> => {
    const pointer = cache.pointer(commit, path);
    const listed = info?.files.get(path);
    const cachedSize = await RepoCache.sizeOf(pointer);
    if (cachedSize !== null && (listed?.size === undefined || listed.size === cachedSize)) {
      files.push({ path, size: cachedSize, from: 'cache', downloadedBytes: 0 });
      return pointer;
    }
    if (offline || !info) {
      throw new HubError(
        'HUB_NOT_CACHED',
        `${repo}/${path}@${commit} is not in the cache (${pointer}) and the hub is not used (offline): run once with network, or fetch it with huggingface-cli`,
      );
    }
    const meta = metadata.get(path) ?? (await client.fileMetadata(repo, commit, path));
    const expectedEtag = listed?.lfsSha256 ?? listed?.blobId;
    if (expectedEtag && expectedEtag !== meta.etag) {
      throw new HubError('HUB_PROTOCOL', `${repo}/${path}@${commit}: the file list says ${expectedEtag}, the resolve endpoint says ${meta.etag}; try again`);
    }
    if (listed?.size !== undefined && listed.size !== meta.size) {
      throw new HubError('HUB_PROTOCOL', `${repo}/${path}@${commit}: the file list says ${listed.size} bytes, the resolve endpoint ${meta.size}`);
    }
    const checksum = meta.lfs || SHA256.test(meta.etag) ? 'sha256' : GIT_SHA1.test(meta.etag) ? 'git-sha1' : null;
    if (!checksum) throw new HubError('HUB_PROTOCOL', `${repo}/${path}: etag '${meta.etag}' is neither a sha256 nor a git sha1; cannot verify the download`);
    const blob = cache.blob(meta.etag);
    if ((await RepoCache.sizeOf(blob)) === meta.size) {
      // same content under another commit or path (huggingface_hub's blobs are shared)
      await cache.linkPointer(commit, path, meta.etag);
      files.push({ path, size: meta.size, from: 'cache', downloadedBytes: 0 });
      return pointer;
    }
    const lock = await cache.lock(meta.etag, o.cacheDir);
    if ('heldBy' in lock) {
      throw new HubError('HUB_LOCKED', `${repo}/${path} is being downloaded into ${o.cacheDir} by another process (${lock.heldBy}); wait for it to finish, or stop it and run again`);
    }
    let started = false;
    try {
      if ((await RepoCache.sizeOf(blob)) === meta.size) {
        // finished by another process while we waited for the lock
        await cache.linkPointer(commit, path, meta.etag);
        files.push({ path, size: meta.size, from: 'cache', downloadedBytes: 0 });
        return pointer;
      }
      const result = await downloadBlob({
        client,
        url: meta.location,
        repo,
        revision: commit,
        path,
        size: meta.size,
        etag: meta.etag,
        checksum,
        incompletePath: cache.incomplete(meta.etag),
        blobPath: blob,
        retries: o.retries,
        signal: o.signal,
        freeBytes: o.freeBytes,
        onProgress: (done, total, resumedFrom) => {
          if (!started) {
            started = true;
            progress.start(`${repo}/${path}`, total, resumedFrom);
          } else progress.update(done);
        },
      });
      progress.finish();
      await cache.linkPointer(commit, path, meta.etag);
      files.push({ path, size: meta.size, from: 'download', downloadedBytes: result.downloaded });
      return pointer;
    } catch (err) {
      if (started) progress.fail();
      throw err;
    } finally {
      await lock.release();
    }
  };

  return async () => {
    for (const path of planned) {
      const local = await fetchFile(path);
      if (!path.endsWith('.onnx')) continue;
      const graph = readGraphSummary(await readFile(local), local);
      for (const location of graph.externalDataFiles) {
        const data = externalDataPath(path, location, where);
        if (!available.has(data)) {
          throw new HubError('HUB_FILE_NOT_FOUND', `${where}: ${path} keeps its weights in '${location}', but the repository has no ${data}`);
        }
        if (!files.some((f) => f.path === data)) await fetchFile(data);
      }
    }
    return { role, repo, revision, commit, dir: cache.snapshot(commit), files, offline };
  };
}
