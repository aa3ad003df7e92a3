/**
 * POST /v1/images: the image as the raw request body (any Content-Type; the format is sniffed from the bytes).
 * Answers 201 with the stored image, or 200 when this tenant already had these exact bytes. A plain HTTP upload
 * works from curl, browsers (fetch with a File body) and every HTTP client, with no multipart or GraphQL upload
 * extension — and it keeps multi-megabyte bodies off the GraphQL endpoint.
 */
import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { tokenFromHeaders } from '../auth/api-key.token';
import { GatewayError, HTTP_STATUS, errorBody } from '../common/gateway.errors';
import type { ImageMeta } from '../images/image.repository';
import type { Services } from '../services';

export function imageJson(image: ImageMeta) {
  return {
    id: image.id,
    sha256: image.sha256,
    format: image.format,
    byteSize: image.byteSize,
    width: image.width,
    height: image.height,
    createdAt: image.createdAt.toISOString(),
  };
}

export function sendError(res: Response, err: unknown, services: Services): void {
  if (err instanceof GatewayError) {
    if (err.code === 'RATE_LIMITED' && typeof err.details.retryAfterSeconds === 'number') {
      res.setHeader('Retry-After', String(err.details.retryAfterSeconds));
    }
    res.status(HTTP_STATUS[err.code]).json(errorBody(err));
    return;
  }
  const e = err as { type?: string; status?: number; limit?: number };
  if (e?.type === 'entity.too.large') {
    res.status(413).json(errorBody(new GatewayError('PAYLOAD_TOO_LARGE', `the body exceeds ${e.limit} bytes`, { limitBytes: e.limit })));
    return;
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    res.status(e.status).json(errorBody(new GatewayError('BAD_USER_INPUT', 'malformed request body')));
    return;
  }
  services.logger.error({ err }, 'upload failed');
  res.status(500).json(errorBody(new GatewayError('INTERNAL_SERVER_ERROR', 'internal server error')));
}

/** The REST routes' key check and rate limit: sets `res.locals.principal`, or answers the typed error. */
export function authenticateKey(services: Services) {
  return async (req: Request, res: Response, next: express.NextFunction) => {
    try {
      const principal = await services.auth.authenticate(tokenFromHeaders(req.headers));
      if (!principal) throw new GatewayError('UNAUTHENTICATED', 'an API key is required (Authorization: Bearer rd_live_…)');
      services.metrics.countRequest(principal.tenantId, 'rest');
      services.rateLimiter.take(principal.tenantId, principal.limits.rateLimitPerMinute);
      res.locals.principal = principal;
      next();
    } catch (err) {
      sendError(res, err, services);
    }
  };
}

/**
 * Reads a request body of at most `limit` bytes, hashing each chunk as it arrives: the sha256 of 20 MB is ~70 ms
 * of CPU, which done in one go after the body is read would hold the event loop (and every health check) that
 * long; spread over the chunks it never does. The bytes are held once: with a Content-Length (what curl, fetch and
 * browsers send) each chunk is copied into one buffer of that size as it arrives and then dropped, so there is no
 * second copy from joining chunks at the end. A larger body is read to its end and dropped (so the client gets
 * the 413 rather than a reset connection).
 */
export function readBody(req: Request, limit: number): Promise<{ bytes: Uint8Array; sha256: string }> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const known = Number.isSafeInteger(declared) && declared >= 0;
    let over = known && declared > limit;
    const target = known && !over ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    const hash = createHash('sha256');
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      if (size + chunk.length > (target ? target.length : limit)) {
        over = true;
        chunks.length = 0;
        return;
      }
      if (target) chunk.copy(target, size);
      else chunks.push(chunk);
      size += chunk.length;
      hash.update(chunk);
    });
    req.once('end', () => {
      if (over) {
        reject(new GatewayError('PAYLOAD_TOO_LARGE', `the body exceeds ${limit} bytes`, { limitBytes: limit }));
        return;
      }
      const b = target ? target.subarray(0, size) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      resolve({ bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength), sha256: hash.digest('hex') });
    });
    req.once('error', reject);
    req.once('aborted', () => reject(new GatewayError('BAD_USER_INPUT', 'the upload was aborted')));
  });
}

export function uploadRouter(services: Services, maxBodyBytes: number): Router {
  const router = express.Router();
  router.post(
    '/v1/images',
    // Authenticate before reading the body: unauthenticated clients cannot make the server buffer megabytes.
    authenticateKey(services),
    async (req: Request, res: Response) => {
      try {
        const { bytes, sha256 } = await readBody(req, maxBodyBytes);
        const { image, created } = await services.images.upload(res.locals.principal, bytes, new Date(), sha256);
        res.status(created ? 201 : 200).json({ image: imageJson(image) });
      } catch (err) {
        sendError(res, err, services);
      }
    },
  );
  // Body-parser failures (too large, aborted) land here with the route's typed error shape.
  router.use('/v1/images', (err: unknown, _req: Request, res: Response, _next: express.NextFunction) => sendError(res, err, services));
  return router;
}
