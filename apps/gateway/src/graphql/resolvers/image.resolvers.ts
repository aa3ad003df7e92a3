import type { DeletedImageResolvers, MutationResolvers, QueryResolvers } from '../../__generated__/graphql';
import type { ImageMeta } from '../../images/image.repository';

export interface ImageConnectionParent {
  edges: { cursor: string; node: ImageMeta }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: () => Promise<number>;
}

export const imageQueries: Pick<QueryResolvers, 'image' | 'images'> = {
  image: (_, { id }, ctx) => ctx.services.images.get(ctx.principal, id),
  images: async (_, { filter, first, after }, ctx) => {
    const page = await ctx.services.images.list(
      ctx.principal,
      {
        createdAfter: filter?.createdAfter ?? undefined,
        createdBefore: filter?.createdBefore ?? undefined,
        format: filter?.format ?? undefined,
        sha256: filter?.sha256 ?? undefined,
      },
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
};

export const imageMutations: Pick<MutationResolvers, 'deleteImage'> = {
  deleteImage: (_, { id }, ctx) => ctx.services.images.delete(ctx.principal, id),
};

export const ImageConnectionType = {
  totalCount: (parent: ImageConnectionParent) => parent.totalCount(),
};

export const DeletedImageType: DeletedImageResolvers = {
  id: (d) => d.image.id,
  freedBytes: (d) => d.image.byteSize,
};
