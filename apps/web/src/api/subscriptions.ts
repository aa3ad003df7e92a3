/**
 * Live segmentation updates over the gateway's WebSocket (GraphQL over WebSocket, graphql-ws client) on this page's
 * own origin: `segmentationUpdated` pushes each status change and completes when every request is final. The API key
 * goes in the connection_init payload (a WebSocket cannot carry an Authorization header).
 */
import { createClient } from 'graphql-ws';
import { ApiError } from './client';
import { SEGMENTATION_FIELDS, type Segmentation } from './queries';

export const UPDATED = `subscription Updated($ids: [ID!]!) { segmentationUpdated(ids: $ids) { ${SEGMENTATION_FIELDS} } }`;

/** ws(s)://<this origin>/graphql */
export function socketUrl(): string {
  const url = new URL('/graphql', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * Calls `onUpdate` with each new state until all of `ids` are final (resolves), the signal aborts (resolves), the API
 * answers an error (rejects with its ApiError) or the socket fails (rejects with a NETWORK ApiError: fall back to the
 * long poll).
 */
export function watchSegmentations(
  token: string,
  ids: readonly string[],
  onUpdate: (s: Segmentation) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = createClient({
      url: socketUrl(),
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: true,
      retryAttempts: 0,
    });
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void client.dispose();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish();
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', onAbort, { once: true });
    client.subscribe<{ segmentationUpdated: Segmentation }>(
      { query: UPDATED, variables: { ids: [...ids] } },
      {
        next: (r) => {
          const e = r.errors?.[0];
          if (e) return finish(new ApiError(String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), e.message));
          if (r.data) onUpdate(r.data.segmentationUpdated);
        },
        error: (err) => {
          const list = Array.isArray(err) ? (err as { message: string; extensions?: { code?: string } }[]) : null;
          if (list?.[0]) return finish(new ApiError(String(list[0].extensions?.code ?? 'INTERNAL_SERVER_ERROR'), list[0].message));
          const close = err as { code?: number; reason?: string };
          finish(new ApiError('NETWORK', `the live connection failed${close?.code ? ` (${close.code} ${close.reason ?? ''})` : ''}`));
        },
        complete: () => finish(),
      },
    );
  });
}
