import type { Resolvers } from '../../__generated__/graphql';
import { requireScope } from '../../auth/principal';
import { adminMutations, adminQueries, TenantType } from './admin.resolvers';
import { DeletedImageType, ImageConnectionType, imageMutations, imageQueries } from './image.resolvers';
import { DateTimeScalar, JSONScalar, UInt32Scalar } from './scalars';
import { segmentationMutations, segmentationQueries, segmentationSubscriptions, SegmentationConnectionType, SegmentationType } from './segmentation.resolvers';

/** Thin resolvers: arguments in, one service call, results out. Rules and tenancy live in the services. */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  UInt32: UInt32Scalar,
  Query: {
    me: (_, __, ctx) => requireScope(ctx.principal, 'READ'),
    ...imageQueries,
    usage: (_, { from, to, granularity }, ctx) => ctx.services.usage.report(ctx.principal, from, to, granularity ?? 'HOUR'),
    ...segmentationQueries,
    ...adminQueries,
  },
  Mutation: {
    ...segmentationMutations,
    ...imageMutations,
    ...adminMutations,
  },
  ImageConnection: ImageConnectionType,
  DeletedImage: DeletedImageType,
  Subscription: segmentationSubscriptions,
  Segmentation: SegmentationType,
  SegmentationConnection: SegmentationConnectionType,
  Tenant: TenantType,
  Caller: {
    scopes: (p) => [...p.scopes],
    quotas: (p) => p.limits,
    storedBytes: async (p, _, ctx) => Number(await ctx.services.images.storedBytes(p)),
  },
  Quotas: {
    maxStorageBytes: (q) => Number(q.maxStorageBytes),
  },
};
