// GraphQL codegen: resolver types from src/graphql/schema.graphql (`npm run codegen`). Output is committed.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'src/graphql/schema.graphql',
  generates: {
    'src/__generated__/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        contextType: '../graphql/context#GraphQLContext',
        scalars: { DateTime: 'Date', JSON: 'unknown', ID: 'string', UInt32: 'number' },
        mappers: {
          Image: '../images/image.repository#ImageMeta',
          ImageConnection: '../graphql/resolvers/image.resolvers#ImageConnectionParent',
          DeletedImage: '../images/image.repository#DeletedImage as DeletedImageModel',
          Segmentation: './prisma/client#SegmentationRequest',
          Tenant: './prisma/client#Tenant as TenantModel',
          ApiKey: './prisma/client#ApiKey as ApiKeyModel',
          Caller: '../auth/principal#Principal',
          Quotas: '../auth/principal#TenantLimits',
          SegmentationConnection: '../graphql/resolvers/segmentation.resolvers#SegmentationConnectionParent',
          UsageReport: '../usage/usage.service#UsageReport as UsageReportModel',
          WorkerPoolState: '../graphql/resolvers/admin.resolvers#WorkerPoolParent',
        },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        maybeValue: 'T | null',
        inputMaybeValue: 'T | null | undefined',
      },
    },
  },
};

export default config;
