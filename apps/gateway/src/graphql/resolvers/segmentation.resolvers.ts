import type { SegmentationRequest } from '../../__generated__/prisma/client';
import type { MutationResolvers, QueryResolvers, SegmentationResolvers, SubscriptionResolvers } from '../../__generated__/graphql';
import { requireScope } from '../../auth/principal';
import { notFound } from '../../common/gateway.errors';
import { attentionDataUrl } from '../../dispatch/attention-png';
import type { GraphQLContext } from '../context';
import { toConnection, type ConnectionParent } from './connection';

export type SegmentationConnectionParent = ConnectionParent<SegmentationRequest>;

export const segmentationQueries: Pick<QueryResolvers, 'segmentation' | 'segmentations' | 'waitForSegmentations'> = {
  segmentation: (_, { id }, ctx) => ctx.services.segmentations.get(ctx.principal, id),
  segmentations: async (_, { filter, first, after }, ctx) => {
    const page = await ctx.services.segmentations.list(
      ctx.principal,
      { status: filter?.status ?? undefined, imageId: filter?.imageId ?? undefined },
      first,
      after,
    );
    return toConnection(page);
  },
  waitForSegmentations: (_, { ids, timeoutSeconds }, ctx) =>
    ctx.services.segmentations.wait(ctx.principal, ids, timeoutSeconds ?? 20, ctx.signal),
};

export const segmentationMutations: Pick<MutationResolvers, 'segment' | 'cancelSegmentation'> = {
  segment: async (_, args, ctx) => {
    const rows = await ctx.services.segmentations.segment(ctx.principal, {
      imageId: args.imageId,
      expressions: args.expressions,
      options: args.options as Record<string, unknown> | null | undefined,
      idempotencyKey: args.idempotencyKey,
      waitSeconds: args.waitSeconds,
    });
    if (ctx.principal) ctx.services.metrics.countExpressions(ctx.principal.tenantId, rows.length);
    return args.waitSeconds ? ctx.services.segmentations.waitFor(ctx.principal, rows, args.waitSeconds, ctx.signal) : rows;
  },
  cancelSegmentation: (_, { id }, ctx) => ctx.services.segmentations.cancel(ctx.principal, id),
};

/** Served over WebSocket (http/subscriptions.ts); each payload is a row the feed read for the caller's tenant. */
export const segmentationSubscriptions: SubscriptionResolvers = {
  segmentationUpdated: {
    subscribe: (_, { ids }, ctx) => ctx.services.feed.watchIds(ctx.principal, ids),
    resolve: (row: SegmentationRequest) => row,
  },
  segmentationsUpdated: {
    subscribe: (_, { imageId }, ctx) => ctx.services.feed.watchImage(ctx.principal, imageId),
    resolve: (row: SegmentationRequest) => row,
  },
};

/**
 * A request's result needs READ. A SEGMENT-only key (an uploader/queuer) still sees what it queued — id, image,
 * expression, options, status, attempts, timestamps of creation — through `segment` and `cancelSegmentation`,
 * but each result field answers FORBIDDEN (and null), so replaying `segment` with the same idempotency key or
 * cancelling a finished request cannot read a mask it was never allowed to read (docs/gateway.md, scopes).
 */
const result =
  <T>(read: (row: SegmentationRequest) => T) =>
  (row: SegmentationRequest, _args: unknown, ctx: GraphQLContext): T => {
    requireScope(ctx.principal, 'READ');
    return read(row);
  };

export const SegmentationType: SegmentationResolvers = {
  image: async (row, _, ctx) => {
    const image = await ctx.loaders.image.load(row.imageId);
    if (!image) throw notFound('image', row.imageId);
    return image;
  },
  options: (row) => row.options ?? {},
  mask: result((row) => {
    if (row.status !== 'SUCCEEDED' || !row.maskRle) return null;
    const rle = row.maskRle as { size: [number, number]; counts: string };
    return { rle, box: row.maskBox, area: row.maskArea ?? 0 };
  }),
  error: result((row) => (row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null)),
  worker: result((row) => row.worker),
  score: result((row) => row.score),
  scores: result((row) => row.scores),
  rootWord: result((row) => row.rootWord),
  attentionMapPng: result((row) => attentionDataUrl(row.attentionPng)),
  timingsMs: result((row) => row.timingsMs),
  gpuMs: result((row) => row.gpuMs),
  startedAt: result((row) => row.startedAt),
  finishedAt: result((row) => row.finishedAt),
};

export const SegmentationConnectionType = {
  totalCount: (parent: SegmentationConnectionParent) => parent.totalCount(),
};
