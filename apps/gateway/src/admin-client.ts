/**
 * What `refdiff tenants …` and `refdiff keys …` run: the gateway's own GraphQL admin API, called with an ADMIN key
 * (REFDIFF_ADMIN_KEY, or the bootstrap key in <data-dir>/admin.key). Going through the running server works the
 * same for embedded PGlite (which one process owns) and for PostgreSQL deployments.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface AdminTarget {
  url: string;
  token: string;
}

export interface AdminFlags {
  url?: string;
  dataDir?: string;
  adminKey?: string;
}

export async function resolveAdminTarget(flags: AdminFlags, env: NodeJS.ProcessEnv = process.env): Promise<AdminTarget> {
  const url = (flags.url ?? env.REFDIFF_GATEWAY_URL ?? `http://127.0.0.1:${env.PORT ?? 4000}`).replace(/\/$/, '');
  const keyFile = flags.adminKey ?? join(resolve(flags.dataDir ?? env.REFDIFF_DATA_DIR ?? '.refdiff'), 'admin.key');
  const token = env.REFDIFF_ADMIN_KEY ?? (await readFile(keyFile, 'utf8').catch(() => '')).trim();
  if (!token) throw new Error(`no admin key: set REFDIFF_ADMIN_KEY or start \`refdiff serve\` once to create ${keyFile}`);
  return { url, token };
}

export async function adminQuery<T>(target: AdminTarget, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${target.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new Error(`cannot reach the gateway at ${target.url} (is \`refdiff serve\` running?): ${(err as Error).message}`);
  }
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    throw new Error(body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }
  return body.data as T;
}

/** A tenant id from an id or a name. */
export async function tenantIdOf(target: AdminTarget, ref: string): Promise<string> {
  const data = await adminQuery<{ tenants: { id: string; name: string }[] }>(target, '{ tenants { id name } }');
  const t = data.tenants.find((x) => x.id === ref || x.name === ref);
  if (!t) throw new Error(`no tenant ${ref}`);
  return t.id;
}
