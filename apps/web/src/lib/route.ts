/**
 * Hash routes (`#/usage`, `#/requests/<id>`): the gateway serves one index.html at `/` and never has to know the
 * pages' paths, so no page path can shadow an API route.
 */
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'playground' }
  | { page: 'usage' }
  | { page: 'admin' }
  | { page: 'request'; id: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const m = /^\/requests\/([\w-]+)$/.exec(path);
  if (m) return { page: 'request', id: m[1] };
  if (path === '/usage') return { page: 'usage' };
  if (path === '/admin') return { page: 'admin' };
  return { page: 'playground' };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
