/** Admin actions: create a tenant, edit its quotas, issue a key (its token shown once), revoke a key. One mutation each. */
import { useState, type FormEvent } from 'react';
import { describeError, gql } from '../api/client';
import { CREATE_KEY, CREATE_TENANT, REVOKE_KEY, UPDATE_QUOTAS, type Scope, type TenantRow } from '../api/queries';

export function NewTenantForm({ token, onDone }: { token: string; onDone: () => void }) {
  const [name, setName] = useState('');
  const [quota, setQuota] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const quotas = quota.trim() ? { monthlyExpressionQuota: Number(quota) } : null;
      await gql(token, CREATE_TENANT, { name: name.trim(), quotas });
      setName('');
      setQuota('');
      onDone();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card row" onSubmit={submit} aria-label="New tenant">
      <label>
        Tenant name <input type="text" required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Monthly expressions <input type="number" min={0} placeholder="unlimited" value={quota} onChange={(e) => setQuota(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Create tenant
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

const SCOPES: Scope[] = ['READ', 'SEGMENT', 'ADMIN'];

export function NewKeyForm({ token, tenants, onDone }: { token: string; tenants: TenantRow[]; onDone: () => void }) {
  const [tenantId, setTenantId] = useState(tenants[0]?.id ?? '');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['READ', 'SEGMENT']);
  const [issued, setIssued] = useState<{ token: string; tenant: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setIssued(null);
    try {
      const { createApiKey } = await gql<{ createApiKey: { token: string } }>(token, CREATE_KEY, { tenantId, name: name.trim(), scopes });
      setIssued({ token: createApiKey.token, tenant: tenants.find((t) => t.id === tenantId)?.name ?? tenantId });
      setName('');
      onDone();
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-label="New API key">
      <div className="row">
        <label>
          Tenant{' '}
          <select value={tenantId} onChange={(e) => setTenantId(e.target.value)}>
            {tenants.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Key name <input type="text" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s}>
              <input
                type="checkbox"
                checked={scopes.includes(s)}
                onChange={(e) => setScopes((cur) => (e.target.checked ? [...cur, s] : cur.filter((x) => x !== s)))}
              />{' '}
              {s}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={!tenantId || scopes.length === 0}>
          Create key
        </button>
      </div>
      {issued && (
        <p role="status">
          New key for {issued.tenant}, shown once — store it now:{' '}
          <output data-role="new-token">
            <code>{issued.token}</code>
          </output>
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function RevokeButton({ token, tenantId, keyId, label, onDone }: { token: string; tenantId: string; keyId: string; label: string; onDone: () => void }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function revoke() {
    try {
      await gql(token, REVOKE_KEY, { tenantId, id: keyId });
      onDone();
    } catch (err) {
      setError(describeError(err));
    }
  }
  if (error) return <span className="error">{error}</span>;
  if (!asking)
    return (
      <button type="button" className="secondary" onClick={() => setAsking(true)} aria-label={`Revoke key ${label}`}>
        Revoke
      </button>
    );
  return (
    <span className="row">
      <button type="button" onClick={revoke} aria-label={`Confirm: revoke key ${label}`}>
        Confirm revoke
      </button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}

/** Edits a tenant's monthly expression quota and rate limit (empty quota = unlimited). */
export function QuotaEditor({ token, tenant, onDone }: { token: string; tenant: TenantRow; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [monthly, setMonthly] = useState(tenant.quotas.monthlyExpressionQuota?.toString() ?? '');
  const [rate, setRate] = useState(String(tenant.quotas.rateLimitPerMinute));
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await gql(token, UPDATE_QUOTAS, {
        tenantId: tenant.id,
        quotas: { monthlyExpressionQuota: monthly.trim() ? Number(monthly) : null, rateLimitPerMinute: Number(rate) },
      });
      setOpen(false);
      onDone();
    } catch (err) {
      setError(describeError(err));
    }
  }

  if (!open)
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)} aria-label={`Edit quotas of ${tenant.name}`}>
        Edit quotas
      </button>
    );
  return (
    <form onSubmit={submit} aria-label={`Quotas of ${tenant.name}`} className="quota-form">
      <label>
        Monthly expressions <input type="number" min={0} placeholder="unlimited" value={monthly} onChange={(e) => setMonthly(e.target.value)} />
      </label>
      <label>
        Requests a minute <input type="number" min={1} required value={rate} onChange={(e) => setRate(e.target.value)} />
      </label>
      <span className="row">
        <button type="submit">Save</button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </span>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
