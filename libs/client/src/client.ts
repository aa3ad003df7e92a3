/**
 * The refdiff gateway from TypeScript: GraphQL over HTTP for queries and mutations, POST /v1/images for uploads, and
 * GraphQL over WebSocket (graphql-ws) for the subscriptions. Every operation is a typed document generated from the
 * gateway's schema (src/__generated__/graphql.ts), so results and variables are checked at compile time.
 */
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import {
  CancelSegmentationDocument,
  DeleteImageDocument,
  ImagesDocument,
  MeDocument,
  SegmentationDocument,
  SegmentationUpdatedDocument,
  SegmentationsUpdatedDocument,
  SegmentDocument,
  WaitForSegmentationsDocument,
  type DeleteImageMutation,
  type ImageFilter,
  type ImagesQuery,
  type MeQuery,
  type SegmentationResultFragment,
  type SegmentOptionsInput,
  type TypedDocumentString,
} from './__generated__/graphql';
import { RefdiffError, fromGraphQLErrors } from './client.errors';

export type Segmentation = SegmentationResultFragment;
export type SegmentationStatus = Segmentation['status'];
export type { ImageFilter, SegmentOptionsInput };
/** One page of the tenant's images, newest first; pass `pageInfo.endCursor` as `after` for the next. */
export type ImagePage = ImagesQuery['images'];
export type DeletedImage = DeleteImageMutation['deleteImage'];

export const FINAL_STATUSES: readonly SegmentationStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface UploadedImage {
  id: string;
  sha256: string;
  format: string;
  byteSize: number;
  width: number;
  height: number;
  createdAt: string;
}

export interface RefdiffClientOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:4000 (GraphQL at /graphql, uploads at /v1/images). */
  url: string;
  /** An API key, `rd_live_v1_…`. */
  apiKey: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** A WebSocket implementation for subscriptions: the global one (browsers, Node ≥ 22) or `ws` on Node 20. */
  webSocketImpl?: unknown;
}

export interface RefdiffClient {
  /** Any typed document against /graphql (queries and mutations). */
  request<R, V>(document: TypedDocumentString<R, V>, variables: V, signal?: AbortSignal): Promise<R>;
  me(): Promise<MeQuery['me']>;
  /** Stores an image (PNG, JPEG or WebP bytes); the same bytes twice return the same image. */
  upload(bytes: Uint8Array, options?: { contentType?: string; signal?: AbortSignal }): Promise<UploadedImage>;
  /**
   * Queues one segmentation per expression; returns them QUEUED, in order — or, with `waitSeconds` (1–60), waits in
   * the same request until all are final or the time is up, and returns them as they stand then (one round trip).
   */
  segment(
    imageId: string,
    expressions: readonly string[],
    options?: { options?: SegmentOptionsInput; idempotencyKey?: string; waitSeconds?: number },
  ): Promise<Segmentation[]>;
  get(id: string): Promise<Segmentation>;
  cancel(id: string): Promise<Segmentation>;
  /** The tenant's images, newest first (READ scope). */
  images(options?: { first?: number; after?: string; filter?: ImageFilter }): Promise<ImagePage>;
  /** Deletes an image's bytes, its segmentations and results, cancelling unfinished work (usage history stays). */
  deleteImage(id: string): Promise<DeletedImage>;
  /** Each state of `ids` as it happens (subscription); ends when all are final. */
  subscribe(ids: readonly string[]): AsyncIterableIterator<Segmentation>;
  /** Every status change of the segmentations of one image, until `return()` is called or the loop breaks. */
  watchImage(imageId: string): AsyncIterableIterator<Segmentation>;
  /**
   * The final states of `ids`, in the order given: over the subscription, or by long poll when `transport: 'poll'`
   * or the socket fails. `onUpdate` sees each intermediate state the subscription reports.
   */
  wait(
    ids: readonly string[],
    options?: { timeoutMs?: number; transport?: 'subscription' | 'poll'; onUpdate?: (s: Segmentation) => void },
  ): Promise<Segmentation[]>;
  /** Closes the WebSocket, if one was opened. */
  close(): Promise<void>;
}

export function createRefdiffClient(options: RefdiffClientOptions): RefdiffClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const auth = { authorization: `Bearer ${options.apiKey}` };
  let ws: WsClient | null = null;

  const socket = (): WsClient => {
    if (ws) return ws;
    const impl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
    if (!impl) throw new RefdiffError('NETWORK', 'no WebSocket implementation: pass webSocketImpl (e.g. the `ws` package) on Node 20');
    ws = createWsClient({
      url: `${base.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: impl,
      connectionParams: auth,
      lazy: true,
      retryAttempts: 2,
    });
    return ws;
  };

  const send = async (input: string, init: RequestInit): Promise<Response> => {
    try {
      return await doFetch(input, init);
    } catch (err) {
      if ((err as { name?: string })?.name === 'AbortError') throw err;
      throw new RefdiffError('NETWORK', `the gateway could not be reached: ${(err as Error)?.message ?? String(err)}`);
    }
  };

  const request = async <R, V>(document: TypedDocumentString<R, V>, variables: V, signal?: AbortSignal): Promise<R> => {
    const res = await send(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...auth },
      body: JSON.stringify({ query: document.toString(), variables }),
      signal,
    });
    const body = (await res.json().catch(() => null)) as { data?: R | null; errors?: { message: string; extensions?: Record<string, unknown> }[] } | null;
    if (!body) throw new RefdiffError(res.ok ? 'INTERNAL_SERVER_ERROR' : 'NETWORK', `unexpected response (HTTP ${res.status})`, res.status);
    if (body.errors?.length) throw fromGraphQLErrors(body.errors, res.status);
    if (!body.data) throw new RefdiffError('INTERNAL_SERVER_ERROR', 'a response without data', res.status);
    return body.data;
  };

  /** A subscription as an async iterator; errors become RefdiffErrors. */
  async function* iterate<R, V>(document: TypedDocumentString<R, V>, variables: V): AsyncGenerator<R> {
    const it = socket().iterate<R>({ query: document.toString(), variables: variables as Record<string, unknown> });
    try {
      for (;;) {
        let step: IteratorResult<{ data?: R | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>;
        try {
          step = await it.next();
        } catch (err) {
          throw toSocketError(err);
        }
        if (step.done) return;
        const r = step.value;
        if (r.errors?.length) throw fromGraphQLErrors(r.errors);
        if (r.data) yield r.data;
      }
    } finally {
      await it.return?.();
    }
  }

  const client: RefdiffClient = {
    request,
    me: async () => (await request(MeDocument, {})).me,
    upload: async (bytes, { contentType = sniff(bytes), signal } = {}) => {
      const res = await send(`${base}/v1/images`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...auth },
        body: bytes as unknown as RequestInit['body'],
        signal,
      });
      const body = (await res.json().catch(() => null)) as { image?: UploadedImage; error?: { code: string; message: string } & Record<string, unknown> } | null;
      if (body?.error) {
        const { code, message, ...details } = body.error;
        throw fromGraphQLErrors([{ message, extensions: { code, ...details } }], res.status);
      }
      if (!res.ok || !body?.image) throw new RefdiffError('INTERNAL_SERVER_ERROR', `upload failed (HTTP ${res.status})`, res.status);
      return body.image;
    },
    segment: async (imageId, expressions, extra = {}) =>
      (
        await request(SegmentDocument, {
          imageId,
          expressions: [...expressions],
          options: extra.options,
          idempotencyKey: extra.idempotencyKey,
          waitSeconds: extra.waitSeconds,
        })
      ).segment,
    get: async (id) => (await request(SegmentationDocument, { id })).segmentation,
    cancel: async (id) => (await request(CancelSegmentationDocument, { id })).cancelSegmentation,
    images: async ({ first, after, filter } = {}) => (await request(ImagesDocument, { first, after, filter })).images,
    deleteImage: async (id) => (await request(DeleteImageDocument, { id })).deleteImage,
    subscribe: (ids) => mapIterator(iterate(SegmentationUpdatedDocument, { ids: [...ids] }), (d) => d.segmentationUpdated),
    watchImage: (imageId) => mapIterator(iterate(SegmentationsUpdatedDocument, { imageId }), (d) => d.segmentationsUpdated),
    wait: async (ids, { timeoutMs = 10 * 60_000, transport = 'subscription', onUpdate } = {}) => {
      const latest = new Map<string, Segmentation>();
      const deadline = Date.now() + timeoutMs;
      const done = () => ids.every((id) => FINAL_STATUSES.includes(latest.get(id)?.status as SegmentationStatus));
      if (transport === 'subscription') {
        try {
          for await (const s of client.subscribe(ids)) {
            latest.set(s.id, s);
            onUpdate?.(s);
            if (Date.now() > deadline) break;
          }
        } catch (err) {
          if (!(err instanceof RefdiffError) || err.code !== 'NETWORK') throw err;
        }
      }
      while (!done()) {
        const left = deadline - Date.now();
        if (left <= 0) throw new RefdiffError('NETWORK', `not finished after ${timeoutMs} ms`);
        const rows = (await request(WaitForSegmentationsDocument, { ids: [...ids], timeoutSeconds: Math.max(1, Math.min(30, Math.floor(left / 1000))) }))
          .waitForSegmentations;
        for (const s of rows) latest.set(s.id, s);
      }
      return ids.map((id) => latest.get(id) as Segmentation);
    },
    close: async () => {
      await ws?.dispose();
      ws = null;
    },
  };
  return client;
}

function toSocketError(err: unknown): RefdiffError {
  if (err instanceof RefdiffError) return err;
  if (Array.isArray(err) && err[0]?.message) return fromGraphQLErrors(err);
  const close = err as { code?: number; reason?: string };
  if (typeof close?.code === 'number') {
    const reason = close.reason ?? '';
    const code = /^([A-Z_]+):/.exec(reason)?.[1];
    if (close.code === 4401 || code === 'UNAUTHENTICATED') return new RefdiffError('UNAUTHENTICATED', reason || 'the API key was not accepted');
    if (close.code === 4403) return new RefdiffError('FORBIDDEN', reason || 'the connection was refused');
    return new RefdiffError('NETWORK', `the WebSocket closed (${close.code}${reason ? ` ${reason}` : ''})`);
  }
  return new RefdiffError('NETWORK', `the WebSocket failed: ${(err as Error)?.message ?? String(err)}`);
}

async function* mapIterator<A, B>(source: AsyncGenerator<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const a of source) yield f(a);
}

/** PNG, JPEG or WebP by magic bytes (the gateway checks the bytes too). */
function sniff(b: Uint8Array): string {
  if (b[0] === 0x89 && b[1] === 0x50) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b[0] === 0x52 && b[1] === 0x49 && b[8] === 0x57) return 'image/webp';
  return 'application/octet-stream';
}
