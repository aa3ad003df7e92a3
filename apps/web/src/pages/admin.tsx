/**
 * Admin view (ADMIN scope): tenants with their quotas and keys, the worker pool with health, queue depth and image
 * cache hit rates, and the queue.
 */
import { useEffect, useState } from 'react';
import { describeError, gql } from '../api/client';
import { ADMIN, type AdminData } from '../api/queries';
import type { Session } from '../app';
import { NewKeyForm, NewTenantForm, QuotaEditor, RevokeButton } from '../components/admin-forms';
import { fmtBytes, fmtInt, fmtPercent, fmtTime } from '../lib/format';

export function AdminPage({ session }: { session: Session }) {
  const [data, setData] = useState<AdminData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    gql<AdminData>(session.token, ADMIN)
      .then((d) => live && setData(d))
      .catch((err) => live && setError(describeError(err)));
    return () => {
      live = false;
    };
  }, [session.token, refresh]);

  return (
    <>
      <h1>Admin</h1>
      <p>
        <button type="button" className="secondary" onClick={() => setRefresh((n) => n + 1)}>
          Refresh
        </button>
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!data && !error && <p role="status">Loading…</p>}
      {data && (
        <>
          <section aria-labelledby="queue-h">
            <h2 id="queue-h">Queue</h2>
            <dl className="stats" data-role="queue">
              {(['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const).map((k) => (
                <div key={k}>
                  <dt>{k[0].toUpperCase() + k.slice(1)}</dt>
                  <dd data-queue={k}>{fmtInt(data.workerPool.queue[k])}</dd>
                </div>
              ))}
            </dl>
          </section>

          <section aria-labelledby="workers-h">
            <h2 id="workers-h">Workers</h2>
            {data.workerPool.workers.length === 0 ? (
              <p className="muted">This gateway process has no worker pool (it does not dispatch).</p>
            ) : (
              <div className="table-scroll">
                <table data-role="workers">
                  <thead>
                    <tr>
                      <th scope="col">Target</th>
                      <th scope="col">Health</th>
                      <th scope="col">In flight</th>
                      <th scope="col">Worker queue</th>
                      <th scope="col">Cache hit rate</th>
                      <th scope="col">Cache hits / misses</th>
                      <th scope="col">Cached images</th>
                      <th scope="col">Pack</th>
                      <th scope="col">Version</th>
                      <th scope="col">Last error</th>
                      <th scope="col">Checked (UTC)</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.workerPool.workers.map((w) => (
                      <tr key={w.target}>
                        <th scope="row">
                          <code>{w.target}</code>
                        </th>
                        <td>
                          <span className={`badge ${w.healthy ? 'status-succeeded' : 'status-failed'}`}>{w.healthy ? 'healthy' : 'unhealthy'}</span>
                        </td>
                        <td>
                          {w.inFlight}
                          {w.maxConcurrent !== null ? ` / ${w.maxConcurrent}` : ''}
                        </td>
                        <td data-role="queue-depth">{w.queueDepth ?? '—'}</td>
                        <td data-role="cache-hit-rate">{w.cache ? (w.cache.hitRate === null ? 'no lookups yet' : fmtPercent(w.cache.hitRate)) : '—'}</td>
                        <td data-role="cache-lookups">{w.cache ? `${fmtInt(w.cache.hits)} / ${fmtInt(w.cache.misses)}` : '—'}</td>
                        <td data-role="cache-size">
                          {w.cache ? `${fmtInt(w.cache.entries)} · ${fmtBytes(w.cache.bytes)} of ${fmtBytes(w.cache.capacityBytes)}` : '—'}
                        </td>
                        <td>{w.packName ?? '—'}</td>
                        <td>{w.version ?? '—'}</td>
                        <td>{w.lastError ?? '—'}</td>
                        <td>{fmtTime(w.lastCheckedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <p className="muted small">
              Worker queue and image cache figures are each worker&apos;s own, from its last health check (GetInfo, every 2 s); cache
              counters count since the worker started.
            </p>
          </section>

          <section aria-labelledby="tenants-h">
            <h2 id="tenants-h">Tenants ({data.tenants.length})</h2>
            <NewTenantForm token={session.token} onDone={() => setRefresh((n) => n + 1)} />
            <div className="table-scroll">
              <table data-role="tenants">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Created (UTC)</th>
                    <th scope="col">Monthly expressions</th>
                    <th scope="col">Rate / min</th>
                    <th scope="col">Image bytes</th>
                    <th scope="col">Storage</th>
                    <th scope="col">Active keys</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.tenants.map((t) => (
                    <tr key={t.id} data-tenant-id={t.id}>
                      <th scope="row">
                        {t.name}
                        <br />
                        <code className="small muted">{t.id}</code>
                      </th>
                      <td>{fmtTime(t.createdAt)}</td>
                      <td>{t.quotas.monthlyExpressionQuota === null ? 'unlimited' : fmtInt(t.quotas.monthlyExpressionQuota)}</td>
                      <td>{fmtInt(t.quotas.rateLimitPerMinute)}</td>
                      <td>{fmtBytes(t.quotas.maxImageBytes)}</td>
                      <td>{fmtBytes(t.quotas.maxStorageBytes)}</td>
                      <td>
                        {t.apiKeys.filter((k) => !k.revokedAt).length} of {t.apiKeys.length}
                      </td>
                      <td>
                        <QuotaEditor token={session.token} tenant={t} onDone={() => setRefresh((n) => n + 1)} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <section aria-labelledby="keys-h">
            <h2 id="keys-h">API keys</h2>
            <NewKeyForm token={session.token} tenants={data.tenants} onDone={() => setRefresh((n) => n + 1)} />
            <div className="table-scroll">
              <table data-role="keys">
                <thead>
                  <tr>
                    <th scope="col">Tenant</th>
                    <th scope="col">Name</th>
                    <th scope="col">Prefix</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Last used (UTC)</th>
                    <th scope="col">State</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.tenants.flatMap((t) =>
                    t.apiKeys.map((k) => (
                      <tr key={k.id} data-key-id={k.id}>
                        <td>{t.name}</td>
                        <th scope="row">{k.name}</th>
                        <td>
                          <code>{k.prefix}…</code>
                        </td>
                        <td>{k.scopes.join(', ')}</td>
                        <td>{fmtTime(k.lastUsedAt)}</td>
                        <td>{k.revokedAt ? `revoked ${fmtTime(k.revokedAt)}` : 'active'}</td>
                        <td>
                          {!k.revokedAt && k.id !== session.me.keyId && (
                            <RevokeButton
                              token={session.token}
                              tenantId={t.id}
                              keyId={k.id}
                              label={`${k.name} (${k.prefix}…)`}
                              onDone={() => setRefresh((n) => n + 1)}
                            />
                          )}
                          {k.id === session.me.keyId && <span className="muted small">this key</span>}
                        </td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </>
  );
}
