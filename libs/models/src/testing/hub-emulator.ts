/**
 * A local emulation of the Hugging Face hub's download endpoints, for tests and manual checks of `models pull`:
 * two node:http servers on 127.0.0.1 — the hub (revision API, resolve URLs, X-Error-Code errors, gated repos) and
 * an "LFS host" the hub redirects LFS files to (Range support, faults: cut the connection after N bytes, corrupt
 * a file, throttle). Each repository's files are the files under a local folder.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export interface EmulatedRepoSpec {
  /** org/name */
  readonly id: string;
  /** every file under this folder is a file of the repository */
  readonly dir: string;
  /** when set, the repository is gated: no token → 401, a token not listed → 403 */
  readonly allowedTokens?: readonly string[];
}

interface EmulatedFile {
  readonly path: string;
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly gitSha1: string;
  readonly lfs: boolean;
}

interface EmulatedRepo {
  readonly id: string;
  readonly commit: string;
  readonly files: Map<string, EmulatedFile>;
  readonly allowedTokens?: readonly string[];
}

export interface RecordedRequest {
  readonly server: 'hub' | 'lfs';
  readonly method: string;
  readonly url: string;
  readonly range?: string;
  readonly authorization?: string;
}

export interface HubEmulator {
  /** use as HF_ENDPOINT */
  readonly endpoint: string;
  readonly lfsOrigin: string;
  readonly requests: RecordedRequest[];
  /** the commit every revision of a repository resolves to */
  commitOf(repo: string): string;
  file(repo: string, path: string): { sha256: string; gitSha1: string; size: number; lfs: boolean };
  /** the next GET of this file from the LFS host sends `afterBytes` bytes of what it would send, then drops the connection */
  cutNext(repo: string, path: string, afterBytes: number): void;
  /** the next GET of this file serves it with one byte changed */
  corruptNext(repo: string, path: string): void;
  /** answer Range requests with the whole file (200), as some proxies and CDNs do */
  ignoreRange(on: boolean): void;
  /** bytes of file content sent so far (both servers) */
  readonly bytesSent: number;
  close(): Promise<void>;
}

export interface HubEmulatorOptions {
  readonly repos: readonly EmulatedRepoSpec[];
  /** slow the LFS host down (bytes per second), e.g. to watch a progress bar or interrupt a download */
  readonly bytesPerSecond?: number;
  /** which files are stored with LFS (default: everything but .json, .txt, .md) */
  readonly isLfs?: (path: string) => boolean;
  /** fixed ports (manual runs); default 0 (any free port) */
  readonly hubPort?: number;
  readonly lfsPort?: number;
}

const defaultIsLfs = (p: string) => !/\.(json|txt|md)$/.test(p);

async function loadRepo(spec: EmulatedRepoSpec, isLfs: (p: string) => boolean): Promise<EmulatedRepo> {
  const files = new Map<string, EmulatedFile>();
  const entries = await readdir(spec.dir, { recursive: true, withFileTypes: true });
  for (const e of entries.filter((x) => x.isFile())) {
    const full = join(e.parentPath, e.name);
    const path = relative(spec.dir, full).split('\\').join('/');
    const bytes = await readFile(full);
    files.set(path, {
      path,
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      gitSha1: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
      lfs: isLfs(path),
    });
  }
  const commit = createHash('sha1')
    .update(spec.id)
    .update([...files.values()].map((f) => `${f.path}:${f.sha256}`).sort().join('\n'))
    .digest('hex');
  return { id: spec.id, commit, files, allowedTokens: spec.allowedTokens };
}

function listen(server: Server, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | null {
  if (!header) return null;
  const m = /^bytes=(\d+)-(\d*)$/.exec(header);
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}

export async function startHubEmulator(options: HubEmulatorOptions): Promise<HubEmulator> {
  const isLfs = options.isLfs ?? defaultIsLfs;
  const repos = new Map<string, EmulatedRepo>();
  for (const spec of options.repos) repos.set(spec.id, await loadRepo(spec, isLfs));
  const bySha = new Map<string, EmulatedFile>();
  for (const r of repos.values()) for (const f of r.files.values()) bySha.set(f.sha256, f);
  const requests: RecordedRequest[] = [];
  const cuts = new Map<EmulatedFile, number>();
  const corrupt = new Set<EmulatedFile>();
  let bytesSent = 0;
  let lfsOrigin = '';
  let rangeIgnored = false;

  const record = (server: 'hub' | 'lfs', req: IncomingMessage) =>
    requests.push({ server, method: req.method ?? '', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization });

  const fail = (res: ServerResponse, status: number, code: string | null, message: string, extra: Record<string, string> = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-error-message': message, ...extra };
    if (code) headers['x-error-code'] = code;
    res.writeHead(status, headers).end(JSON.stringify({ error: message }));
  };

  /** Sends `bytes[start..end]`, honouring faults and throttling. */
  const sendBody = async (req: IncomingMessage, res: ServerResponse, file: EmulatedFile, start: number, end: number) => {
    let body = file.bytes.subarray(start, end + 1);
    if (corrupt.has(file)) {
      corrupt.delete(file);
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    const cut = cuts.get(file);
    if (cut !== undefined) cuts.delete(file);
    const limit = cut ?? body.length;
    const chunk = 16 * 1024;
    for (let off = 0; off < Math.min(limit, body.length); off += chunk) {
      const piece = body.subarray(off, Math.min(off + chunk, limit, body.length));
      bytesSent += piece.length;
      if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
      const bps = options.bytesPerSecond;
      if (bps) await new Promise((r) => setTimeout(r, (piece.length / bps) * 1000));
      if (res.destroyed) return;
    }
    if (cut !== undefined && cut < body.length) {
      // flush what was written, then drop the connection mid-body
      await new Promise((r) => setTimeout(r, 20));
      req.socket.destroy();
      return;
    }
    res.end();
  };

  const serveContent = async (req: IncomingMessage, res: ServerResponse, file: EmulatedFile, headers: Record<string, string>) => {
    const range = rangeIgnored ? null : parseRange(req.headers.range, file.bytes.length);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-range': `bytes */${file.bytes.length}` }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: file.bytes.length - 1 };
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'content-length': String(end - start + 1),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${file.bytes.length}` } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await sendBody(req, res, file, start, end);
  };

  const hub = createServer((req, res) => {
    record('hub', req);
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
      const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
      const m = api ?? resolve;
      if (!m) return fail(res, 404, null, 'Not Found');
      const repo = repos.get(decodeURIComponent(m[1]));
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      // the real hub answers 401 for a missing repository when the request carries no token
      if (!repo) return fail(res, token ? 404 : 401, 'RepoNotFound', 'Repository not found');
      // a gated repository's file list is public (as on the hub); its files are not
      if (repo.allowedTokens && !api) {
        if (!token) return fail(res, 401, 'GatedRepo', `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
        if (!repo.allowedTokens.includes(token)) return fail(res, 403, 'GatedRepo', `Access to model ${repo.id} is restricted and you are not in the authorized list. Visit ${'https://huggingface.co/'}${repo.id} to ask for access.`);
      }
      const revision = decodeURIComponent(m[2]);
      if (revision !== 'main' && revision !== repo.commit) return fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
      if (api) {
        const siblings = [...repo.files.values()].map((f) => ({
          rfilename: f.path,
          size: f.bytes.length,
          blobId: f.gitSha1,
          ...(f.lfs ? { lfs: { sha256: f.sha256, size: f.bytes.length, pointerSize: 134 } } : {}),
        }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: repo.id, sha: repo.commit, siblings }));
        return;
      }
      const path = (resolve?.[3] ?? '').split('/').map(decodeURIComponent).join('/');
      const file = repo.files.get(path);
      if (!file) return fail(res, 404, 'EntryNotFound', `${path} does not exist on "${revision}"`, { 'x-repo-commit': repo.commit });
      if (file.lfs) {
        res
          .writeHead(302, {
            location: `${lfsOrigin}/repos/${file.sha256}?X-Amz-Signature=emulated`,
            'x-repo-commit': repo.commit,
            'x-linked-etag': `"${file.sha256}"`,
            'x-linked-size': String(file.bytes.length),
            etag: 'W/"91-redirect"',
            'content-length': '0',
          })
          .end();
        return;
      }
      await serveContent(req, res, file, { etag: `"${file.gitSha1}"`, 'x-repo-commit': repo.commit });
    })().catch((err: Error) => {
      if (!res.headersSent) fail(res, 500, null, err.message);
      else res.destroy();
    });
  });

  const lfs = createServer((req, res) => {
    record('lfs', req);
    const m = /^\/repos\/([0-9a-f]{64})$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const file = m ? bySha.get(m[1]) : undefined;
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    serveContent(req, res, file, { etag: `"${file.sha256}"` }).catch(() => res.destroy());
  });

  const endpoint = await listen(hub, options.hubPort ?? 0);
  // another host name for the same loopback address: clients must see the LFS host as a different host (no token
  // sent there; huggingface_hub follows same-host redirects for metadata but stops at another host's)
  lfsOrigin = (await listen(lfs, options.lfsPort ?? 0)).replace('127.0.0.1', 'localhost');

  const fileOf = (repo: string, path: string) => {
    const f = repos.get(repo)?.files.get(path);
    if (!f) throw new Error(`hub emulator: no ${repo}/${path}`);
    return f;
  };
  return {
    endpoint,
    lfsOrigin,
    requests,
    commitOf: (repo) => {
      const r = repos.get(repo);
      if (!r) throw new Error(`hub emulator: no repository ${repo}`);
      return r.commit;
    },
    file: (repo, path) => {
      const f = fileOf(repo, path);
      return { sha256: f.sha256, gitSha1: f.gitSha1, size: f.bytes.length, lfs: f.lfs };
    },
    cutNext: (repo, path, afterBytes) => void cuts.set(fileOf(repo, path), afterBytes),
    corruptNext: (repo, path) => void corrupt.add(fileOf(repo, path)),
    ignoreRange: (on) => {
      rangeIgnored = on;
    },
    get bytesSent() {
      return bytesSent;
    },
    close: async () => {
      for (const s of [hub, lfs]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}
