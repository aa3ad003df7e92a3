// Typed documents for the client (`npm run -w @refdiff/client codegen`): the gateway's schema file and this
// library's operations in, TypedDocumentStrings with their result and variable types out. Output is committed.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../apps/gateway/src/graphql/schema.graphql',
  documents: 'src/operations.graphql',
  generates: {
    'src/__generated__/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        onlyOperationTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string', UInt32: 'number' },
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        maybeValue: 'T | null',
        inputMaybeValue: 'T | null | undefined',
      },
    },
  },
};

export default config;
