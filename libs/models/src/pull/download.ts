/**
 * Downloads one blob into the hub cache: into `blobs/{etag}.incomplete` (appending, resumed with HTTP Range from
 * whatever an interrupted run left there), hashed while it streams, verified against the etag (sha256 for LFS files,
 * the git blob sha1 for small ones), then renamed to `blobs/{etag}`. A checksum mismatch deletes the partial file.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HubError } from '../errors';
import { causeText, type HubClient } from './hub-client';

export interface BlobDownload {
  readonly client: HubClient;
  /** where to GET the content (the resolve URL, or the LFS/CDN URL it redirected to) */
  readonly url: string;
  /** for messages: repo, revision, path */
  readonly repo: string;
  readonly revision: string;
  readonly path: string;
  readonly size: number;
  /** the normalised etag: a sha256 (LFS) or a git blob sha1 */
  readonly etag: string;
  readonly checksum: 'sha256' | 'git-sha1';
  readonly incompletePath: string;
  readonly blobPath: string;
  /** extra attempts after a dropped connection within this run (each resumes with Range) */
  readonly retries?: number;
  readonly signal?: AbortSignal;
  /** bytes already on disk (resumed) and every chunk written */
  readonly onProgress?: (done: number, total: number, resumedFrom: number) => void;
  /** for tests: free bytes on the cache's filesystem */
  readonly freeBytes?: (dir: string) => Promise<number>;
}

export interface BlobDownloadResult {
  /** bytes fetched over the network in this run */
  readonly downloaded: number;
  /** bytes that were already in the .incomplete file */
  readonly resumedFrom: number;
  readonly requests: number;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function defaultFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

function newHash(kind: 'sha256' | 'git-sha1', size: number): Hash {
  if (kind === 'sha256') return createHash('sha256');
  // git hashes "blob <size>\0" + content
  return createHash('sha1').update(`blob ${size}\0`);
}

async function hashExisting(hash: Hash, path: string, bytes: number): Promise<void> {
  if (bytes === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) hash.update(chunk as Buffer);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

function diskFull(d: BlobDownload, written: number, cause?: unknown): HubError {
  return new HubError(
    'HUB_DISK_FULL',
    `no space left for ${d.repo}/${d.path} (${formatBytes(d.size)}, ${formatBytes(written)} on disk so far) in ${dirname(d.incompletePath)}: ` +
      'free some space (the next run resumes where this one stopped) or put the cache on another disk with --cache-dir or HF_HUB_CACHE',
    { cause },
  );
}

function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export async function downloadBlob(d: BlobDownload): Promise<BlobDownloadResult> {
  await mkdir(dirname(d.incompletePath), { recursive: true });
  let have = await fileSize(d.incompletePath);
  if (have > d.size) {
    await rm(d.incompletePath, { force: true });
    have = 0;
  }
  const resumedFrom = have;
  const free = await (d.freeBytes ?? defaultFreeBytes)(dirname(d.incompletePath)).catch(() => Infinity);
  if (free < d.size - have) throw diskFull(d, have);

  let hash = newHash(d.checksum, d.size);
  await hashExisting(hash, d.incompletePath, have);
  d.onProgress?.(have, d.size, resumedFrom);

  let downloaded = 0;
  let requests = 0;
  const retries = d.retries ?? 2;
  for (let attempt = 0; have < d.size; attempt++) {
    try {
      const res = await get(d, have);
      requests++;
      if (have > 0 && res.status === 200) {
        // the server ignored the Range header: start over rather than append the whole file
        have = 0;
        await rm(d.incompletePath, { force: true });
        hash = newHash(d.checksum, d.size);
      } else if (res.status === 206) {
        const start = Number(/bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1]);
        if (start !== have) {
          await res.body?.cancel();
          throw new HubError('HUB_PROTOCOL', `${d.url}: asked for bytes from ${have}, got Content-Range '${res.headers.get('content-range')}'`);
        }
      } else if (res.status === 416) {
        // our partial file does not fit the server's: start over
        await res.body?.cancel();
        have = 0;
        await rm(d.incompletePath, { force: true });
        hash = newHash(d.checksum, d.size);
        continue;
      } else if (res.status !== 200) {
        await res.body?.cancel();
        throw d.client.errorFor(res, d);
      }
      if (!res.body) throw new HubError('HUB_PROTOCOL', `${d.url}: empty answer`);
      const fh = await open(d.incompletePath, 'a');
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          if (have + chunk.byteLength > d.size) {
            throw new HubError('HUB_PROTOCOL', `${d.repo}/${d.path}: the server sent more than the ${d.size} bytes the hub announced`);
          }
          try {
            await fh.write(chunk);
          } catch (err) {
            if (isDiskFull(err)) throw diskFull(d, have, err);
            throw err;
          }
          hash.update(chunk);
          have += chunk.byteLength;
          downloaded += chunk.byteLength;
          d.onProgress?.(have, d.size, resumedFrom);
        }
      } finally {
        await fh.close();
      }
      if (have < d.size) throw new Error(`the connection closed after ${have} of ${d.size} bytes`);
    } catch (err) {
      if (err instanceof HubError && err.code !== 'HUB_NETWORK') throw err;
      // a file system error (permissions, …) is not a dropped connection: no retry
      if (!(err instanceof HubError) && (err as NodeJS.ErrnoException).syscall && !d.signal?.aborted) throw err;
      // a partial write may have left more bytes on disk than we hashed: re-align with the file
      const onDisk = await fileSize(d.incompletePath);
      if (onDisk !== have) {
        hash = newHash(d.checksum, d.size);
        have = onDisk > d.size ? 0 : onDisk;
        if (have === 0) await rm(d.incompletePath, { force: true });
        await hashExisting(hash, d.incompletePath, have);
      }
      if (d.signal?.aborted) {
        throw new HubError('HUB_INTERRUPTED', `interrupted while downloading ${d.repo}/${d.path} (${formatBytes(have)} of ${formatBytes(d.size)} kept); run the same command again to resume`, { cause: err });
      }
      if (attempt >= retries) {
        throw new HubError(
          'HUB_NETWORK',
          `download of ${d.repo}/${d.path} interrupted after ${formatBytes(have)} of ${formatBytes(d.size)} (${causeText(err)}); ` +
            `the partial file ${d.incompletePath} is kept: run the same command again to resume`,
          { cause: err },
        );
      }
    }
  }

  const digest = hash.digest('hex');
  if (digest !== d.etag) {
    await rm(d.incompletePath, { force: true });
    throw new HubError(
      'HUB_CHECKSUM_MISMATCH',
      `${d.repo}/${d.path}@${d.revision}: the downloaded file's ${d.checksum === 'sha256' ? 'sha256' : 'git blob sha1'} is ${digest}, ` +
        `the hub says ${d.etag}; the bad download was deleted — run again to download it afresh (if it repeats, a proxy or mirror is altering the file)`,
    );
  }
  await rename(d.incompletePath, d.blobPath);
  return { downloaded, resumedFrom, requests };
}

/** GET with Range from `have`, following absolute redirects (CDN hops) without sending the token off-host. */
async function get(d: BlobDownload, have: number): Promise<Response> {
  let url = d.url;
  for (let hops = 0; hops < 6; hops++) {
    const res = await d.client.request('GET', url, d, have > 0 ? { range: `bytes=${have}-` } : {}, d.signal);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    return res;
  }
  throw new HubError('HUB_PROTOCOL', `${d.url}: too many redirects`);
}
