import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Principal } from '../auth/principal';
import { requireScope } from '../auth/principal';
import { GatewayError, notFound } from '../common/gateway.errors';
import { isUuid } from '../common/ids';
import { probeImage } from './image-probe';
import type { ImageFormat } from '../__generated__/prisma/client';
import { decodeCursor, encodeCursor } from '../common/cursor';
import type { DeletedImage, ImageFilter, ImageMeta, ImageRepository } from './image.repository';

export const MAX_IMAGE_PAGE_SIZE = 100;

export interface ImagePage {
  nodes: ImageMeta[];
  hasNextPage: boolean;
  cursorOf(node: ImageMeta): string;
  totalCount: () => Promise<number>;
}

export interface UploadResult {
  image: ImageMeta;
  created: boolean;
}

/**
 * Image uploads: the format is sniffed from the bytes (the Content-Type header is not trusted), size and pixel
 * limits are checked from the header before decoding, then the whole image is decoded once to reject truncated or
 * corrupt files — all before anything is written.
 */
export class ImageService {
  constructor(
    private readonly images: ImageRepository,
    private readonly decodeCheck: (bytes: Uint8Array, maxPixels: number) => Promise<{ width: number; height: number }> = sharpDecodeCheck,
  ) {}

  /** `sha256`: the bytes' hash when the caller computed it while reading them (the upload route does). */
  async upload(principal: Principal | null, bytes: Uint8Array, at = new Date(), sha256?: string): Promise<UploadResult> {
    const p = requireScope(principal, 'SEGMENT');
    if (bytes.length === 0) throw new GatewayError('BAD_USER_INPUT', 'the upload is empty');
    if (bytes.length > p.limits.maxImageBytes) {
      throw new GatewayError('PAYLOAD_TOO_LARGE', `the image is ${bytes.length} bytes; the limit is ${p.limits.maxImageBytes}`, {
        limitBytes: p.limits.maxImageBytes,
      });
    }
    const header = probeImage(bytes);
    if (!header) throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'not a PNG, JPEG or WebP image');
    if (header.width === 0 || header.height === 0) throw new GatewayError('BAD_USER_INPUT', 'the image has no pixels');
    const pixels = header.width * header.height;
    if (pixels > p.limits.maxImagePixels) {
      throw new GatewayError(
        'IMAGE_TOO_LARGE',
        `the image is ${header.width}×${header.height} (${pixels} pixels); the limit is ${p.limits.maxImagePixels} pixels`,
        { limitPixels: p.limits.maxImagePixels },
      );
    }
    let shown: { width: number; height: number };
    try {
      shown = await this.decodeCheck(bytes, p.limits.maxImagePixels);
    } catch (err) {
      throw new GatewayError('BAD_USER_INPUT', `the image cannot be decoded: ${err instanceof Error ? err.message : String(err)}`);
    }
    const result = await this.images.insertOnce(
      p.tenantId,
      { sha256: sha256 ?? createHash('sha256').update(bytes).digest('hex'), format: header.format, byteSize: bytes.length, width: shown.width, height: shown.height, data: bytes },
      p.limits.maxStorageBytes,
      at,
    );
    if ('overQuota' in result) {
      throw new GatewayError('QUOTA_EXCEEDED', `storing this image would exceed the tenant's ${p.limits.maxStorageBytes} bytes of storage`, {
        limitBytes: Number(p.limits.maxStorageBytes),
        storedBytes: Number(result.overQuota.storedBytes),
      });
    }
    return result;
  }

  async get(principal: Principal | null, imageId: string): Promise<ImageMeta> {
    const p = requireScope(principal, 'READ');
    const image = isUuid(imageId) ? await this.images.get(p.tenantId, imageId) : null;
    if (!image) throw notFound('image', imageId);
    return image;
  }

  /** The tenant's images, newest first (keyset pagination on createdAt, id). */
  async list(principal: Principal | null, filter: ImageFilter, first: number | null | undefined, after: string | null | undefined): Promise<ImagePage> {
    const p = requireScope(principal, 'READ');
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > MAX_IMAGE_PAGE_SIZE) throw new GatewayError('BAD_USER_INPUT', `first must be 1–${MAX_IMAGE_PAGE_SIZE}`);
    if (filter.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(filter.sha256)) {
      throw new GatewayError('BAD_USER_INPUT', 'filter.sha256 is 64 lowercase hex digits');
    }
    const cursor = after ? decodeCursor(after) : undefined;
    const rows = await this.images.list(p.tenantId, filter, n + 1, cursor);
    return {
      nodes: rows.slice(0, n),
      hasNextPage: rows.length > n,
      cursorOf: encodeCursor,
      totalCount: () => this.images.count(p.tenantId, filter),
    };
  }

  /**
   * Deletes the image with its bytes, its segmentation requests and their results, and cancels its queued work
   * (SEGMENT scope: the scope that creates them). NOT_FOUND for another tenant's, unknown or malformed ids.
   */
  async delete(principal: Principal | null, imageId: string): Promise<DeletedImage> {
    const p = requireScope(principal, 'SEGMENT');
    const deleted = isUuid(imageId) ? await this.images.deleteImage(p.tenantId, imageId) : null;
    if (!deleted) throw notFound('image', imageId);
    return deleted;
  }

  /** Bytes the caller's tenant stores (what maxStorageBytes is checked against). */
  async storedBytes(principal: Principal | null): Promise<bigint> {
    const p = requireScope(principal, 'READ');
    return this.images.storedBytes(p.tenantId);
  }

  /**
   * The image's bytes as uploaded (GET /v1/images/:id), streamed from the image store where there is one;
   * NOT_FOUND for another tenant's, unknown or malformed ids.
   */
  async content(
    principal: Principal | null,
    imageId: string,
  ): Promise<{ sha256: string; format: ImageFormat; size: number; body: Uint8Array | Readable }> {
    const p = requireScope(principal, 'READ');
    const image = isUuid(imageId) ? await this.images.openContent(p.tenantId, imageId) : null;
    if (!image) throw notFound('image', imageId);
    return image;
  }
}

export { isUuid } from '../common/ids';

/**
 * A full decode with libjpeg/libpng/libwebp warnings as errors (damaged entropy data decodes "successfully" with a
 * warning; header-only metadata would accept a truncated file; stats() touches every pixel), off the event loop
 * (sharp works on libuv's thread pool). Returns the size as displayed: the EXIF orientation applied, the way
 * browsers draw it and the worker decodes it (docs/gateway.md, "Orientation").
 */
async function sharpDecodeCheck(bytes: Uint8Array, maxPixels: number): Promise<{ width: number; height: number }> {
  const { default: sharp } = await import('sharp');
  // One libvips thread per decode: on a small machine the default (one per core) starves the event loop.
  if (sharp.concurrency() !== 1) sharp.concurrency(1);
  const image = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' });
  const meta = await image.metadata();
  await image.stats();
  return { width: meta.autoOrient?.width ?? meta.width ?? 0, height: meta.autoOrient?.height ?? meta.height ?? 0 };
}
