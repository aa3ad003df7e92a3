/**
 * The command-line side of `refdiff models pull`: reads the huggingface_hub environment (HF_ENDPOINT, HF_TOKEN or
 * the token file `huggingface-cli login` writes, HF_HOME / HF_HUB_CACHE, HF_HUB_OFFLINE), draws progress on stderr,
 * turns Ctrl-C into a clean stop (partial files kept for the next run), and prints what came from where.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from './download';
import type { PullRole } from './export-files';
import { defaultHfHome, defaultHubCache } from './hub-cache';
import { createProgress, type ProgressStream } from './progress';
import { pullExports, type PullResult, type RepoRef } from './pull-exports';

export interface PullCliInput {
  readonly repos: Readonly<Record<PullRole, RepoRef>>;
  readonly cacheDir?: string;
  readonly endpoint?: string;
  readonly offline?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stderr?: ProgressStream;
  readonly stdout?: { write(text: string): unknown };
}

const truthy = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());

/** HF_TOKEN, else the token file of `huggingface-cli login` (HF_TOKEN_PATH, default $HF_HOME/token). */
async function findToken(env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  if (env.HF_TOKEN?.trim()) return env.HF_TOKEN.trim();
  if (env.HUGGING_FACE_HUB_TOKEN?.trim()) return env.HUGGING_FACE_HUB_TOKEN.trim();
  const path = env.HF_TOKEN_PATH || join(defaultHfHome(env, homedir()), 'token');
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function pullFromCli(input: PullCliInput): Promise<PullResult> {
  const env = input.env ?? process.env;
  const stderr = input.stderr ?? process.stderr;
  const stdout = input.stdout ?? process.stdout;
  const endpoint = input.endpoint ?? (env.HF_ENDPOINT || 'https://huggingface.co');
  const cacheDir = input.cacheDir ?? defaultHubCache(env, homedir());
  const offline = input.offline || truthy(env.HF_HUB_OFFLINE);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    stdout.write(`pulling into ${cacheDir}${offline ? ' (offline: cache only)' : ` from ${endpoint}`}\n`);
    const result = await pullExports({
      repos: input.repos,
      endpoint,
      token: await findToken(env),
      cacheDir,
      offline,
      progress: createProgress(stderr),
      signal: abort.signal,
      userAgent: 'refdiff; node/' + process.versions.node,
    });
    for (const r of Object.values(result.repos)) {
      const fetched = r.files.filter((f) => f.from === 'download');
      const bytes = r.files.reduce((n, f) => n + f.size, 0);
      stdout.write(
        `${r.role}: ${r.repo}@${r.revision}${r.revision === r.commit ? '' : ` (${r.commit})`}: ${r.files.length} files, ${formatBytes(bytes)}` +
          `${fetched.length ? `, ${fetched.length} downloaded` : ', all from the cache'}${r.offline && !offline ? ' (the hub not reached: from the cache)' : ''}\n  ${r.dir}\n`,
      );
    }
    stdout.write(`downloaded ${formatBytes(result.downloadedBytes)}\n`);
    return result;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
