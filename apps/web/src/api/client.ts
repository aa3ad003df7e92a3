/**
 * The gateway's API from the browser: GraphQL over HTTP at /graphql, the image upload at POST /v1/images and the image
 * download at GET /v1/images/:id, all on this page's own origin. The API key lives in sessionStorage only (gone when the tab closes), never in a cookie or
 * localStorage, and travels as `Authorization: Bearer …`.
 */

const KEY_STORAGE = 'refdiff.apiKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(token: string | null): void {
  if (token) sessionStorage.setItem(KEY_STORAGE, token);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** An error the API answered (its `extensions.code`) or a transport failure (`NETWORK`). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Words for the codes a user meets; the server's own message follows. */
const CODE_WORDS: Record<string, string> = {
  UNAUTHENTICATED: 'The API key was not accepted',
  FORBIDDEN: 'This key is not allowed to do that',
  NOT_FOUND: 'Not found',
  BAD_USER_INPUT: 'The request was not valid',
  RATE_LIMITED: 'Too many requests; wait a moment',
  QUOTA_EXCEEDED: 'The tenant is over its quota',
  PAYLOAD_TOO_LARGE: 'The image is too large',
  IMAGE_TOO_LARGE: 'The image has too many pixels',
  UNSUPPORTED_MEDIA_TYPE: 'That file is not a PNG, JPEG or WebP image',
  NETWORK: 'The gateway could not be reached',
};

export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const words = CODE_WORDS[err.code];
    return words && words !== err.message ? `${words}: ${err.message}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError('NETWORK', err instanceof Error ? err.message : String(err));
  }
  let body: GraphQLBody<T>;
  try {
    body = (await res.json()) as GraphQLBody<T>;
  } catch {
    throw new ApiError('NETWORK', `the gateway answered ${res.status} without a GraphQL body`, res.status);
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first.message, res.status);
  if (!body.data) throw new ApiError('INTERNAL_SERVER_ERROR', 'the gateway answered no data', res.status);
  return body.data;
}

export interface UploadedImage {
  id: string;
  sha256: string;
  format: string;
  byteSize: number;
  width: number;
  height: number;
  createdAt: string;
}

/** POST /v1/images with the file as the raw body; 201 new, 200 already stored for this tenant. */
export async function uploadImage(token: string, file: Blob, signal?: AbortSignal): Promise<UploadedImage> {
  let res: Response;
  try {
    res = await fetch('/v1/images', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': file.type || 'application/octet-stream' },
      body: file,
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError('NETWORK', err instanceof Error ? err.message : String(err));
  }
  const body = (await res.json().catch(() => ({}))) as { image?: UploadedImage; error?: { code?: string; message?: string } };
  if (!res.ok || !body.image) {
    throw new ApiError(body.error?.code ?? 'INTERNAL_SERVER_ERROR', body.error?.message ?? `upload failed (${res.status})`, res.status);
  }
  return body.image;
}

/** GET /v1/images/:id: the stored image's bytes (the key's own tenant only; NOT_FOUND otherwise). */
export async function downloadImage(token: string, id: string, signal?: AbortSignal): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(`/v1/images/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${token}` }, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError('NETWORK', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new ApiError(body.error?.code ?? 'INTERNAL_SERVER_ERROR', body.error?.message ?? `download failed (${res.status})`, res.status);
  }
  return res.blob();
}
