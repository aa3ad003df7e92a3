import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from './services';

export const ADMIN_TENANT = 'admin';

/**
 * On first start, creates the `admin` tenant and an ADMIN key and writes the token to `<dataDir>/admin.key`
 * (mode 0600). Later starts reuse the file. If the file was lost, a new key is issued (old ones stay valid until
 * revoked).
 */
export async function ensureAdminKey(services: Services, dataDir: string): Promise<{ path: string; token: string; created: boolean }> {
  const path = join(dataDir, 'admin.key');
  const existing = await readFile(path, 'utf8').catch(() => null);
  if (existing?.trim()) {
    const token = existing.trim();
    try {
      const p = await services.auth.authenticate(token);
      if (p?.scopes.has('ADMIN')) return { path, token, created: false };
    } catch {
      // revoked or from another database: issue a new one below
    }
  }
  const tenant = (await services.tenants.findByName(ADMIN_TENANT)) ?? (await services.tenants.create(ADMIN_TENANT));
  const { token } = await services.apiKeys.create(tenant.id, 'bootstrap', ['ADMIN', 'READ', 'SEGMENT']);
  await mkdir(dataDir, { recursive: true });
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return { path, token, created: true };
}
