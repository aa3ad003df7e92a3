/**
 * A small client for the Hugging Face hub's download endpoints (Node's built-in fetch, redirects followed by hand):
 *
 * - `GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true` → the commit and every file (size, git blob
 *   sha, LFS sha256);
 * - `HEAD {endpoint}/{repo}/resolve/{commit}/{path}` → 200 for small files (ETag = git blob sha), or 302 to the
 *   LFS/CDN host for LFS files with `X-Linked-Etag` (sha256), `X-Linked-Size`, `X-Repo-Commit`;
 * - errors carry `X-Error-Code` (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and `X-Error-Message`.
 *
 * Semantics follow huggingface_hub (file_download.get_hf_file_metadata, utils._http.hf_raise_for_status): the etag
 * prefers `X-Linked-Etag` over `ETag` (quotes and a `W/` prefix stripped), only relative redirects are followed for
 * metadata, and the token is never sent to another host (the CDN URL is signed).
 */
import { HubError } from '../errors';

export interface HubClientOptions {
  /** e.g. https://huggingface.co (HF_ENDPOINT) */
  readonly endpoint: string;
  /** sent as `Authorization: Bearer …` to the endpoint's host only (HF_TOKEN) */
  readonly token?: string;
  readonly userAgent?: string;
  /** for tests: another fetch */
  readonly fetch?: typeof fetch;
}

export interface RepoFile {
  readonly path: string;
  readonly size?: number;
  /** git blob sha1 (the cache's blob name for small files) */
  readonly blobId?: string;
  /** sha256 of LFS files (the cache's blob name for them) */
  readonly lfsSha256?: string;
}

export interface RevisionInfo {
  readonly commit: string;
  readonly files: ReadonlyMap<string, RepoFile>;
}

export interface FileMetadata {
  /** normalised etag: the sha256 for LFS files, the git blob sha1 otherwise */
  readonly etag: string;
  readonly size: number;
  readonly commit: string;
  /** where to GET the content: the resolve URL itself, or the LFS/CDN URL it redirects to */
  readonly location: string;
  /** X-Linked-Etag was present: an LFS file whose etag is its sha256 */
  readonly lfs: boolean;
}

interface What {
  readonly repo: string;
  readonly revision: string;
  readonly path?: string;
  /** names the flags to change in messages (`--sd-repo`, …) */
  readonly role?: string;
}

const TOKEN_HELP =
  'create a read token at https://huggingface.co/settings/tokens and set it in the environment: export HF_TOKEN=hf_…';

/** Strips a weak-etag prefix and quotes (huggingface_hub's _normalize_etag). */
export function normalizeEtag(etag: string | null): string | null {
  if (etag === null) return null;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** Encodes a path's segments, keeping the slashes (as huggingface_hub's quote(filename)). */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export class HubClient {
  readonly endpoint: string;
  private readonly host: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HubClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.host = new URL(this.endpoint).host;
    this.fetchImpl = options.fetch ?? fetch;
  }

  get hasToken(): boolean {
    return Boolean(this.options.token);
  }

  resolveUrl(repo: string, revision: string, path: string): string {
    return `${this.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
  }

  /** Headers for a request to `url`: the token only when the host is the endpoint's. */
  headers(url: string, extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'refdiff', 'accept-encoding': 'identity', ...extra };
    if (this.options.token && new URL(url).host === this.host) h.authorization = `Bearer ${this.options.token}`;
    return h;
  }

  async request(method: 'GET' | 'HEAD', url: string, what: What, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    try {
      return await this.fetchImpl(url, { method, headers: this.headers(url, extra), redirect: 'manual', signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new HubError('HUB_NETWORK', `cannot reach ${new URL(url).origin} for ${describe(what)}: ${causeText(err)}`, { cause: err });
    }
  }

  /** The commit a revision points at and the repository's files. */
  async revisionInfo(repo: string, revision: string, role?: string): Promise<RevisionInfo> {
    const what = { repo, revision, role };
    const url = `${this.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
    const res = await this.request('GET', url, what, { accept: 'application/json' });
    if (!res.ok) throw this.errorFor(res, what);
    let body: { sha?: unknown; siblings?: { rfilename?: unknown; size?: unknown; blobId?: unknown; lfs?: { sha256?: unknown } | null }[] };
    try {
      body = (await res.json()) as typeof body;
    } catch (err) {
      throw new HubError('HUB_PROTOCOL', `${url} did not answer JSON: is ${this.endpoint} a Hugging Face hub (HF_ENDPOINT)?`, { cause: err });
    }
    if (typeof body.sha !== 'string' || !/^[0-9a-f]{40}$/.test(body.sha) || !Array.isArray(body.siblings)) {
      throw new HubError('HUB_PROTOCOL', `${url}: the answer has no commit sha or file list: is ${this.endpoint} a Hugging Face hub (HF_ENDPOINT)?`);
    }
    const files = new Map<string, RepoFile>();
    for (const s of body.siblings) {
      if (typeof s.rfilename !== 'string') continue;
      files.set(s.rfilename, {
        path: s.rfilename,
        size: typeof s.size === 'number' ? s.size : undefined,
        blobId: typeof s.blobId === 'string' ? s.blobId : undefined,
        lfsSha256: typeof s.lfs?.sha256 === 'string' ? s.lfs.sha256 : undefined,
      });
    }
    return { commit: body.sha, files };
  }

  /** HEAD on the resolve URL: etag, size, commit, and the URL to download from. */
  async fileMetadata(repo: string, revision: string, path: string): Promise<FileMetadata> {
    const what = { repo, revision, path };
    let url = this.resolveUrl(repo, revision, path);
    for (let hops = 0; ; hops++) {
      const res = await this.request('HEAD', url, what);
      if (res.status >= 300 && res.status < 400) {
        const location = res.headers.get('location');
        if (!location) throw new HubError('HUB_PROTOCOL', `${url} answered ${res.status} without a Location header`);
        const target = new URL(location, url);
        // a relative redirect is a renamed repository: follow it for metadata (huggingface_hub does the same)
        if (!/^[a-z]+:\/\//i.test(location) && hops < 5) {
          url = target.toString();
          continue;
        }
        return this.metadataFrom(res, target.toString(), what, url);
      }
      if (!res.ok) throw this.errorFor(res, what);
      return this.metadataFrom(res, url, what, url);
    }
  }

  private metadataFrom(res: Response, location: string, what: What, url: string): FileMetadata {
    const linked = res.headers.get('x-linked-etag');
    const etag = normalizeEtag(linked ?? res.headers.get('etag'));
    const commit = res.headers.get('x-repo-commit');
    const isRedirect = res.status >= 300 && res.status < 400;
    const sizeHeader = res.headers.get('x-linked-size') ?? (isRedirect ? null : res.headers.get('content-length'));
    const size = sizeHeader === null ? NaN : Number(sizeHeader);
    if (!commit) {
      throw new HubError('HUB_PROTOCOL', `${url}: no X-Repo-Commit header — is ${this.endpoint} a Hugging Face hub (HF_ENDPOINT), or is a proxy in the way?`);
    }
    if (!etag) throw new HubError('HUB_PROTOCOL', `${url}: no ETag / X-Linked-Etag header, so ${describe(what)} cannot be verified`);
    if (!Number.isSafeInteger(size) || size < 0) throw new HubError('HUB_PROTOCOL', `${url}: no size (X-Linked-Size / Content-Length) for ${describe(what)}`);
    return { etag, size, commit, location, lfs: linked !== null };
  }

  /** A typed error for a failed hub answer, naming the repository, revision or file and what to do. */
  errorFor(res: Response, what: What): HubError {
    const code = res.headers.get('x-error-code');
    const serverMessage = res.headers.get('x-error-message');
    const said = serverMessage ? ` (the hub said: ${serverMessage})` : '';
    const page = `${this.endpoint}/${what.repo}`;
    if (code === 'RevisionNotFound') {
      return new HubError('HUB_REVISION_NOT_FOUND', `revision '${what.revision}' not found in ${what.repo}${said}; check ${what.role ? `--${what.role}-revision` : 'the revision'} (a branch, tag or commit)`);
    }
    if (code === 'EntryNotFound' || (res.status === 404 && what.path && code !== 'RepoNotFound')) {
      return new HubError('HUB_FILE_NOT_FOUND', `${what.path ?? 'file'} not found in ${what.repo} at revision ${what.revision}${said}`);
    }
    if (code === 'GatedRepo') {
      return res.status === 401 || !this.hasToken
        ? new HubError('HUB_UNAUTHORIZED', `${what.repo} is a gated repository and needs a token: accept its terms at ${page}, then ${TOKEN_HELP}${said}`)
        : new HubError('HUB_FORBIDDEN', `${what.repo} is gated and the token in HF_TOKEN has no access: accept the terms at ${page} with that account (or use a token that has)${said}`);
    }
    if (res.status === 401) {
      return this.hasToken
        ? new HubError('HUB_UNAUTHORIZED', `${what.repo}: the hub refused the token in HF_TOKEN, or the repository does not exist or is private to another account (${res.status})${said}; check the repository name and the token`)
        : new HubError('HUB_UNAUTHORIZED', `${what.repo}: not found, or private or gated and needing a token (${res.status})${said}. Check the repository name; if it is right, ${TOKEN_HELP}`);
    }
    if (res.status === 403) {
      return new HubError('HUB_FORBIDDEN', `${what.repo}: access denied (403)${said}; the token needs read access to this repository (and a gated repository's terms accepted at ${page})`);
    }
    if (res.status === 404 || code === 'RepoNotFound') {
      return new HubError('HUB_REPO_NOT_FOUND', `repository ${what.repo} not found on ${this.endpoint} (${res.status})${said}; check ${what.role ? `--${what.role}-repo` : 'the repository name'}`);
    }
    return new HubError(res.status >= 500 || res.status === 429 ? 'HUB_NETWORK' : 'HUB_PROTOCOL', `${describe(what)}: the hub answered ${res.status} ${res.statusText}${said}; try again later`);
  }
}

function describe(what: What): string {
  return what.path ? `${what.repo}/${what.path}@${what.revision}` : `${what.repo}@${what.revision}`;
}

/** undici reports 'fetch failed' with the real reason in `cause`. */
export function causeText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    parts.push(code && !e.message.includes(code) ? `${e.message} (${code})` : e.message);
  }
  return parts.join(': ') || String(err);
}
