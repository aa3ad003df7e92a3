import type { DeletedImageResolvers, MutationResolvers, QueryResolvers } from '../../__generated__/graphql';
import type { ImageMeta } from '../../images/image.repository';
import { toConnection, type ConnectionParent } from './connection';

export type ImageConnectionParent = ConnectionParent<ImageMeta>;

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
    return toConnection(page);
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
