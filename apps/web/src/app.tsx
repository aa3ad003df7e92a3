/** The shell: sign-in with an API key (kept in sessionStorage only), navigation, and the page for the route. */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { describeError, gql, storedKey, storeKey } from './api/client';
import { ME, type Caller } from './api/queries';
import { useRoute } from './lib/route';
import { AdminPage } from './pages/admin';
import { PlaygroundPage } from './pages/playground';
import { RequestPage } from './pages/request';
import { UsagePage } from './pages/usage';

export interface Session {
  token: string;
  me: Caller;
}

function SignIn({ onSignedIn, initialError }: { onSignedIn: (s: Session) => void; initialError: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(initialError);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { me } = await gql<{ me: Caller }>(t, ME);
      storeKey(t);
      onSignedIn({ token: t, me });
    } catch (err) {
      setError(`Sign-in failed. ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin" id="main">
      <h1>refdiff</h1>
      <p>
        Segment the object a phrase describes. Sign in with an API key (<code>rd_live_…</code>).
      </p>
      <form onSubmit={submit} className="card" aria-describedby="key-help">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'signin-error' : undefined}
        />
        <p id="key-help" className="muted small">
          The key stays in this tab&apos;s session storage and is sent only to this gateway. <code>refdiff serve</code> writes an
          admin key to <code>.refdiff/admin.key</code>; <code>refdiff keys create</code> makes tenant keys.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p id="signin-error" className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const [restoreError, setRestoreError] = useState<string | null>(null);
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => {
    const t = storedKey();
    if (!t) return;
    let live = true;
    gql<{ me: Caller }>(t, ME)
      .then(({ me }) => live && setSession({ token: t, me }))
      .catch((err) => {
        if (!live) return;
        storeKey(null);
        setRestoreError(`Sign-in failed. ${describeError(err)}`);
      })
      .finally(() => live && setRestoring(false));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const title = { playground: 'Playground', usage: 'Usage', admin: 'Admin', request: 'Request' }[route.page];
    document.title = `${title} · refdiff`;
  }, [route]);

  const signOut = useCallback(() => {
    storeKey(null);
    setSession(null);
  }, []);

  if (restoring) return <p className="muted" role="status">Signing in…</p>;
  if (!session) return <SignIn onSignedIn={setSession} initialError={restoreError} />;

  const isAdmin = session.me.scopes.includes('ADMIN');
  const link = (href: string, label: string, current: boolean) => (
    <a href={href} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), mainRef.current?.focus())}>
        Skip to content
      </a>
      <header className="top">
        <span className="brand">refdiff</span>
        <nav aria-label="Pages">
          {link('#/', 'Playground', route.page === 'playground')}
          {link('#/usage', 'Usage', route.page === 'usage' || route.page === 'request')}
          {isAdmin && link('#/admin', 'Admin', route.page === 'admin')}
        </nav>
        <span className="who">
          <span className="muted small" data-role="tenant" title="tenant id">
            tenant {session.me.tenantId.slice(0, 8)}
          </span>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {route.page === 'playground' && <PlaygroundPage session={session} />}
        {route.page === 'usage' && <UsagePage session={session} />}
        {route.page === 'request' && <RequestPage session={session} id={route.id} />}
        {route.page === 'admin' &&
          (isAdmin ? <AdminPage session={session} /> : <p role="alert" className="error">The admin view needs a key with the ADMIN scope.</p>)}
      </main>
    </>
  );
}
