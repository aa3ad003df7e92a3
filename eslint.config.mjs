// Lint: Nx module boundaries are the point. Tags are two-dimensional (scope × type):
//   type:domain  — pure libraries (libs/nlp, libs/pipeline): typed arrays and strings in, results out.
//                  No model runtime, network, database or logging library may be imported there.
//   type:infra   — adapters around outside libraries (libs/models owns the one onnxruntime-node import).
//   type:app     — deployables (gateway, gpu-worker); domain and infra libs only, never another app.
//   type:cli     — the `refdiff` command: composes the commands that apps and libs register.
//   type:tool    — deploy/: manifests and their checks, which read the apps' config schemas and metric names.
// Scopes say which feature may see which: nlp ⊂ pipeline ⊂ models ⊂ worker; the gateway never sees models.
// scope:synthetic (the synthetic world of the fixture pack) is a leaf any feature may use for data and tests.
import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/node_modules', '**/dist', '**/tmp', '**/.nx', '**/__generated__', '**/coverage'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // Every project's vitest.config.ts shares the workspace's test settings.
          allow: ['../../vitest.shared.ts', '../vitest.shared.ts'],
          depConstraints: [
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain'],
              bannedExternalImports: [
                'onnxruntime-node',
                'onnxruntime-*',
                '@grpc/*',
                'grpc-health-check',
                '@apollo/*',
                '@prisma/*',
                'prisma',
                'pg',
                '@electric-sql/*',
                'pino',
                'pino-*',
                'express',
              ],
            },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:domain', 'type:infra'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infra'] },
            { sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:app'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:app'] },
            { sourceTag: 'scope:nlp', onlyDependOnLibsWithTags: ['scope:nlp'] },
            { sourceTag: 'scope:pipeline', onlyDependOnLibsWithTags: ['scope:pipeline', 'scope:nlp', 'scope:synthetic'] },
            {
              sourceTag: 'scope:models',
              onlyDependOnLibsWithTags: ['scope:models', 'scope:pipeline', 'scope:nlp', 'scope:synthetic'],
            },
            {
              sourceTag: 'scope:worker',
              onlyDependOnLibsWithTags: [
                'scope:worker',
                'scope:models',
                'scope:pipeline',
                'scope:nlp',
                'scope:contract',
                'scope:synthetic',
              ],
            },
            {
              sourceTag: 'scope:gateway',
              // scope:client: the gateway's tests drive it end to end through the typed client.
              onlyDependOnLibsWithTags: ['scope:gateway', 'scope:pipeline', 'scope:nlp', 'scope:contract', 'scope:synthetic', 'scope:client'],
            },
            // The typed client speaks to the gateway over HTTP and WebSocket only: no server-side code or packages.
            {
              sourceTag: 'scope:client',
              onlyDependOnLibsWithTags: ['scope:client'],
              bannedExternalImports: ['@apollo/*', '@prisma/*', 'prisma', 'pg', '@grpc/*', 'express', 'pino', 'pino-*', 'onnxruntime-*'],
            },
            // Runnable examples use the client (and the synthetic world for an image to segment).
            { sourceTag: 'scope:example', onlyDependOnLibsWithTags: ['scope:example', 'scope:client', 'scope:synthetic'] },
            // The pages speak to the gateway over HTTP only; their browser tests may use the synthetic world's images.
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:web', 'scope:synthetic'] },
            { sourceTag: 'scope:contract', onlyDependOnLibsWithTags: ['scope:contract'] },
            { sourceTag: 'scope:synthetic', onlyDependOnLibsWithTags: ['scope:synthetic'] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'scope:deploy', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:worker'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Threads belong to the apps (the GPU worker's CPU pool); a domain library offers a port instead
    // (SamPostProcessor). Nx's bannedExternalImports only sees npm packages, so built-ins are banned here.
    files: ['libs/pipeline/**/*.ts', 'libs/nlp/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'worker_threads', message: 'threads belong to the apps; offer a port (see SamPostProcessor)' },
            { name: 'node:worker_threads', message: 'threads belong to the apps; offer a port (see SamPostProcessor)' },
          ],
        },
      ],
    },
  },
];
