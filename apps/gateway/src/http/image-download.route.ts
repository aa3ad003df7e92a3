/**
 * GET /v1/images/:id: the stored image's bytes as uploaded, for the key's own tenant (READ scope), with the format's
 * Content-Type. Another tenant's id, a malformed id and an unknown id all answer 404 NOT_FOUND alike. The pages use
 * it to draw a request's mask over its image.
 */
import { pipeline } from 'node:stream/promises';
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
      res.setHeader('Content-Length', String(image.size));
      // Keyed, per-tenant content: no shared caches, and no type sniffing of stored bytes.
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('ETag', `"${image.sha256}"`);
      res.status(200);
      if (image.body instanceof Uint8Array) {
        res.end(Buffer.from(image.body.buffer, image.body.byteOffset, image.body.byteLength));
        return;
      }
      // From the image store: chunk by chunk, at the client's pace. A store failure mid-way cuts the connection (the
      // client sees a body shorter than Content-Length), since the status line has gone.
      await pipeline(image.body, res).catch((err: unknown) => {
        // A client that goes away mid-download is not worth a warning; a store that fails is.
        if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
          services.logger.warn({ err, imageId: req.params.id }, 'image download stopped');
        }
      });
    } catch (err) {
      sendError(res, err, services);
    }
  });
  return router;
}
