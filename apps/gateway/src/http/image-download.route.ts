/**
 * GET /v1/images/:id: the stored image's bytes as uploaded, for the key's own tenant (READ scope), with the format's
 * Content-Type. Another tenant's id, a malformed id and an unknown id all answer 404 NOT_FOUND alike. The pages use
 * it to draw a request's mask over its image.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Services } from '../services';
import { authenticateKey, sendError } from './upload.route';

const CONTENT_TYPES = { PNG: 'image/png', JPEG: 'image/jpeg', WEBP: 'image/webp' } as const;

export function imageDownloadRouter(services: Services): Router {
  const router = express.Router();
  router.get('/v1/images/:id', authenticateKey(services), async (req: Request, res: Response) => {
    try {
      const image = await services.images.content(res.locals.principal, String(req.params.id));
      res.setHeader('Content-Type', CONTENT_TYPES[image.format]);
      res.setHeader('Content-Length', String(image.data.byteLength));
      // Keyed, per-tenant content: no shared caches, and no type sniffing of stored bytes.
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('ETag', `"${image.sha256}"`);
      res.status(200).end(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength));
    } catch (err) {
      sendError(res, err, services);
    }
  });
  return router;
}
