/**
 * The product as a user starts it: `refdiff serve` (embedded PGlite in a throw-away data folder and a local worker on
 * the fixture pack) as a child process on a free loopback port. Tests talk to it over HTTP only, as the pages do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const REFDIFF_BIN = join(REPO, 'apps/cli/bin/refdiff.js');

export interface ServeProcess {
  url: string;
  adminToken: string;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

export async function startServe(options: { timeoutMs?: number } = {}): Promise<ServeProcess> {
  // To point the page tests at a gateway that is already running (its tenants are created fresh, so any will do).
  const external = process.env.REFDIFF_WEB_E2E_URL;
  if (external) {
    const adminToken = process.env.REFDIFF_WEB_E2E_ADMIN_KEY;
    if (!adminToken) throw new Error('REFDIFF_WEB_E2E_URL needs REFDIFF_WEB_E2E_ADMIN_KEY (a key with the ADMIN scope)');
    return { url: external.replace(/\/$/, ''), adminToken, output: () => '', stop: async () => undefined };
  }
  const tmp = join(REPO, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const dataDir = mkdtempSync(join(tmp, 'web-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  // Embedded mode: no external database or workers, whatever the calling shell has set.
  delete env.DATABASE_URL;
  delete env.WORKERS;
  const child = spawn(process.execPath, [REFDIFF_BIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 150_000);
  const keyPath = join(dataDir, 'admin.key');
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`refdiff serve exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('refdiff serve did not become ready in time');
      if (existsSync(keyPath)) {
        const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
        if (ready) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- refdiff serve output ---\n${log}`);
  }
  return { url, adminToken: readFileSync(keyPath, 'utf8').trim(), output: () => log, stop };
}

/** GraphQL over HTTP from the test process, like any API client; throws on the first error. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions read the untyped JSON answer
export async function gql<T = any>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    const e = body.errors[0];
    throw Object.assign(new Error(`${e.extensions?.code}: ${e.message}`), { code: e.extensions?.code });
  }
  return body.data as T;
}

/** A tenant and a READ+SEGMENT key, made through the admin API. */
export async function createTenant(url: string, adminToken: string, name: string): Promise<{ id: string; token: string }> {
  const { createTenant } = await gql(url, adminToken, 'mutation($n: String!) { createTenant(name: $n) { id } }', { n: name });
  const { createApiKey } = await gql(url, adminToken, 'mutation($t: ID!) { createApiKey(tenantId: $t, name: "web-e2e") { token } }', {
    t: createTenant.id,
  });
  return { id: createTenant.id, token: createApiKey.token };
}
