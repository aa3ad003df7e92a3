import type { SegmentationRequest } from '../../__generated__/prisma/client';
import type { MutationResolvers, QueryResolvers, SegmentationResolvers } from '../../__generated__/graphql';
import { notFound } from '../../common/gateway.errors';
import { attentionDataUrl } from '../../dispatch/attention-png';

export interface SegmentationConnectionParent {
  edges: { cursor: string; node: SegmentationRequest }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: () => Promise<number>;
}

export const segmentationQueries: Pick<QueryResolvers, 'segmentation' | 'segmentations' | 'waitForSegmentations'> = {
  segmentation: (_, { id }, ctx) => ctx.services.segmentations.get(ctx.principal, id),
  segmentations: async (_, { filter, first, after }, ctx) => {
    const page = await ctx.services.segmentations.list(
      ctx.principal,
      { status: filter?.status ?? undefined, imageId: filter?.imageId ?? undefined },
      first,
      after,
    );
    const edges = page.nodes.map((node) => ({ cursor: page.cursorOf(node), node }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
      totalCount: page.totalCount,
    };
  },
  waitForSegmentations: (_, { ids, timeoutSeconds }, ctx) =>
    ctx.services.segmentations.wait(ctx.principal, ids, timeoutSeconds ?? 20, ctx.signal),
};

export const segmentationMutations: Pick<MutationResolvers, 'segment' | 'cancelSegmentation'> = {
  segment: (_, args, ctx) =>
    ctx.services.segmentations.segment(ctx.principal, {
      imageId: args.imageId,
      expressions: args.expressions,
      options: args.options as Record<string, unknown> | null | undefined,
      idempotencyKey: args.idempotencyKey,
    }),
  cancelSegmentation: (_, { id }, ctx) => ctx.services.segmentations.cancel(ctx.principal, id),
};

export const SegmentationType: SegmentationResolvers = {
  image: async (row, _, ctx) => {
    const image = await ctx.loaders.image.load(row.imageId);
    if (!image) throw notFound('image', row.imageId);
    return image;
  },
  options: (row) => row.options ?? {},
  mask: (row) => {
    if (row.status !== 'SUCCEEDED' || !row.maskRle) return null;
    const rle = row.maskRle as { size: [number, number]; counts: string };
    return { rle, box: row.maskBox, area: row.maskArea ?? 0 };
  },
  error: (row) => (row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null),
  worker: (row) => row.worker,
  scores: (row) => row.scores,
  attentionMapPng: (row) => attentionDataUrl(row.attentionPng),
  timingsMs: (row) => row.timingsMs,
};

export const SegmentationConnectionType = {
  totalCount: (parent: SegmentationConnectionParent) => parent.totalCount(),
};
