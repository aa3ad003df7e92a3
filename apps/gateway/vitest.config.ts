import { createRequire } from 'node:module';
import { mergeConfig } from 'vitest/config';
import { projectTestConfig } from '../../vitest.shared.ts';

export default mergeConfig(projectTestConfig('@refdiff/gateway', { globalSetup: ['./test/global-setup.ts'] }), {
  resolve: {
    // One graphql-js in the test process, the one Node itself loads (CJS) for Apollo, graphql-tools and graphql-ws:
    // vite would otherwise give our sources the ESM build, and a schema from one copy fails `instanceof` in the other.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
});
