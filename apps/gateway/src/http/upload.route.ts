/**
 * POST /v1/images: the image as the raw request body (any Content-Type; the format is sniffed from the bytes).
 * Answers 201 with the stored image, or 200 when this tenant already had these exact bytes. A plain HTTP upload
 * works from curl, browsers (fetch with a File body) and every HTTP client, with no multipart or GraphQL upload
 * extension — and it keeps multi-megabyte bodies off the GraphQL endpoint.
 */
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
      services.rateLimiter.take(principal.tenantId, principal.limits.rateLimitPerMinute);
      res.locals.principal = principal;
      next();
    } catch (err) {
      sendError(res, err, services);
    }
  };
}

export function uploadRouter(services: Services, maxBodyBytes: number): Router {
  const router = express.Router();
  router.post(
    '/v1/images',
    // Authenticate before reading the body: unauthenticated clients cannot make the server buffer megabytes.
    authenticateKey(services),
    express.raw({ type: () => true, limit: maxBodyBytes }),
    async (req: Request, res: Response) => {
      try {
        const body: unknown = req.body;
        const bytes = Buffer.isBuffer(body) ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : new Uint8Array();
        const { image, created } = await services.images.upload(res.locals.principal, bytes);
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
