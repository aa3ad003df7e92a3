import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const workspaceRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * The vitest settings every project shares. Each run also writes a JSON report to
 * tmp/vitest/<package name>.json, which `tools/test-summary.mjs` adds up into one closing line.
 */
export function projectTestConfig(packageName: string, test: NonNullable<ViteUserConfig['test']> = {}) {
  return defineConfig({
    test: {
      include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      environment: 'node',
      pool: 'forks',
      passWithNoTests: true,
      testTimeout: 30_000,
      hookTimeout: 60_000,
      // expect.poll waits up to 1 s by default: too little on a 2-core CI machine under load (a subscription's first
      // message took longer, and a spec's later tests then waited on a dispatcher its first test never started).
      // A poll that succeeds returns as soon as it does, so a longer bound slows down only a failing assertion.
      expect: { poll: { timeout: 15_000 } },
      reporters: ['default', ['json', { outputFile: `${workspaceRoot}tmp/vitest/${packageName}.json` }]],
      ...test,
    },
  });
}
