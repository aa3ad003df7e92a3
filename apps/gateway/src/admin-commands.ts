import { adminQuery, resolveAdminTarget, tenantIdOf, type AdminFlags } from './admin-client';

interface KeyOut {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  revokedAt: string | null;
  lastUsedAt: string | null;
}
type Created = { createApiKey: { token: string; key: KeyOut } };

const out = (line: string) => process.stdout.write(`${line}\n`);

function num(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

export async function tenantsCreate(name: string, flags: AdminFlags & Record<string, unknown>): Promise<void> {
  const target = await resolveAdminTarget(flags);
  const quotas = {
    monthlyExpressionQuota: num(flags.monthlyExpressions, 'monthly-expressions'),
    rateLimitPerMinute: num(flags.rateLimit, 'rate-limit'),
    maxImageBytes: num(flags.maxImageBytes, 'max-image-bytes'),
    maxStorageBytes: num(flags.maxStorageBytes, 'max-storage-bytes'),
  };
  const data = await adminQuery<{ createTenant: { id: string; name: string } }>(target, 'mutation($n: String!, $q: QuotasInput) { createTenant(name: $n, quotas: $q) { id name } }', {
    n: name,
    q: quotas,
  });
  out(`tenant ${data.createTenant.name} ${data.createTenant.id}`);
  if (flags.key) {
    const k = await adminQuery<Created>(target, 'mutation($t: ID!) { createApiKey(tenantId: $t, name: "cli") { token key { id scopes } } }', {
      t: data.createTenant.id,
    });
    out(`key ${k.createApiKey.key.id} (${k.createApiKey.key.scopes.join(',')}): ${k.createApiKey.token}`);
  }
}

export async function tenantsList(flags: AdminFlags): Promise<void> {
  const target = await resolveAdminTarget(flags);
  const data = await adminQuery<{
    tenants: { id: string; name: string; quotas: { monthlyExpressionQuota: number | null; rateLimitPerMinute: number; maxImageBytes: number } }[];
  }>(target, '{ tenants { id name createdAt quotas { monthlyExpressionQuota rateLimitPerMinute maxImageBytes } } }');
  for (const t of data.tenants) {
    const q = t.quotas;
    out(`${t.id}  ${t.name}  monthly=${q.monthlyExpressionQuota ?? '∞'} rate=${q.rateLimitPerMinute}/min maxImage=${q.maxImageBytes}B`);
  }
}

export async function keysCreate(flags: AdminFlags & { tenant: string; name: string; scopes: string }): Promise<void> {
  const target = await resolveAdminTarget(flags);
  const scopes = flags.scopes.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const data = await adminQuery<Created>(
    target,
    'mutation($t: ID!, $n: String!, $s: [ApiKeyScope!]!) { createApiKey(tenantId: $t, name: $n, scopes: $s) { token key { id prefix scopes } } }',
    { t: await tenantIdOf(target, flags.tenant), n: flags.name, s: scopes },
  );
  out(`key ${data.createApiKey.key.id} (${data.createApiKey.key.scopes.join(',')})`);
  out(data.createApiKey.token);
}

export async function keysList(flags: AdminFlags & { tenant: string }): Promise<void> {
  const target = await resolveAdminTarget(flags);
  const data = await adminQuery<{ tenant: { apiKeys: KeyOut[] } }>(target, 'query($t: ID!) { tenant(id: $t) { apiKeys { id name prefix scopes revokedAt lastUsedAt } } }', {
    t: await tenantIdOf(target, flags.tenant),
  });
  for (const k of data.tenant.apiKeys) {
    out(`${k.id}  ${k.prefix}…  ${k.name}  ${k.scopes.join(',')}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  last used ${k.lastUsedAt ?? 'never'}`);
  }
}

export async function keysRevoke(keyId: string, flags: AdminFlags & { tenant: string }): Promise<void> {
  const target = await resolveAdminTarget(flags);
  const data = await adminQuery<{ revokeApiKey: { id: string; revokedAt: string } }>(target, 'mutation($t: ID!, $k: ID!) { revokeApiKey(tenantId: $t, id: $k) { id revokedAt } }', {
    t: await tenantIdOf(target, flags.tenant),
    k: keyId,
  });
  out(`revoked ${data.revokeApiKey.id} at ${data.revokeApiKey.revokedAt}`);
}

export async function dbMigrate(flags: { dataDir?: string }): Promise<void> {
  const { loadConfig } = await import('./env');
  const { openPglite, openPostgres } = await import('./db/database');
  const { join } = await import('node:path');
  const config = loadConfig(process.env, { dataDir: flags.dataDir });
  const db = config.databaseUrl ? await openPostgres(config.databaseUrl, { poolMax: 1 }) : await openPglite(join(config.dataDir, 'pgdata'));
  try {
    const r = await db.migrate();
    out(r.applied.length ? `applied ${r.applied.join(', ')}` : `up to date (${r.alreadyApplied.length} migrations)`);
  } finally {
    await db.close();
  }
}

export async function imagesMigrateStore(flags: { batch?: string; concurrency?: string; dryRun?: boolean; dataDir?: string }): Promise<void> {
  const { loadConfig } = await import('./env');
  const { openPglite, openPostgres } = await import('./db/database');
  const { createImageStore, describeImageStore } = await import('./images/image-store.config');
  const { inlineImageTotals, migrateImagesToStore } = await import('./images/image-store.migration');
  const { join } = await import('node:path');
  const batch = num(flags.batch ?? '100', 'batch') ?? 100;
  const concurrency = num(flags.concurrency ?? '4', 'concurrency') ?? 4;
  const config = loadConfig(process.env, { dataDir: flags.dataDir });
  const store = createImageStore(config.imageStore);
  if (!store) throw new Error('IMAGE_STORE is "database": set it to fs:<dir> or s3://bucket/prefix (as the gateways will have it) to move the bytes there');
  const where = describeImageStore(config.imageStore);
  const db = config.databaseUrl ? await openPostgres(config.databaseUrl, { poolMax: concurrency + 1 }) : await openPglite(join(config.dataDir, 'pgdata'));
  const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
  try {
    if (flags.dryRun) {
      const t = await inlineImageTotals(db.prisma);
      out(`${t.rows} images (${gb(t.bytes)}) hold their bytes in the database; they would move to ${where}`);
      return;
    }
    await store.verify?.();
    const controller = new AbortController();
    const stop = () => controller.abort(new Error('interrupted: run the command again to resume'));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const started = Date.now();
    try {
      const r = await migrateImagesToStore(db.prisma, store, {
        batch,
        concurrency,
        signal: controller.signal,
        onProgress: (p) =>
          out(`moved ${p.moved}/${p.total} images (${gb(p.movedBytes)}/${gb(p.totalBytes)}) to ${where}, ${((Date.now() - started) / 1000).toFixed(1)} s`),
      });
      if (r.total === 0) out(`nothing to move: no image holds its bytes in the database (store: ${where})`);
      else out(`done: ${r.moved} images (${gb(r.movedBytes)}) moved to ${where}; PostgreSQL reuses the space after its next (auto)vacuum`);
      if (r.mismatched.length > 0) {
        out(`left in the database: ${r.mismatched.length} images whose bytes do not match their sha256: ${r.mismatched.join(', ')}`);
        process.exitCode = 1;
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  } finally {
    store.close?.();
    await db.close();
  }
}
