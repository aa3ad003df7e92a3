/**
 * deploy/containers checked offline: the environment each image bakes in (its final stage's ENV) names only variables
 * its app reads, with values its zod schema accepts — the check the Kubernetes containers get (tools/check.ts
 * checkEnv). Building and running the images is `npm run test:containers` (tools/ci/containers-e2e.ts), not npm test.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APPS, checkEnv } from '../tools/check';

const dir = fileURLToPath(new URL('../containers/', import.meta.url));

/** The final stage's ENV as name → value, with build args substituted (`${ARG}`). */
function finalStageEnv(containerfile: string, args: Record<string, string>): Record<string, string> {
  const lines = containerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const env: Record<string, string> = {};
  for (const line of lines.slice(lastFrom + 1)) {
    const m = /^ENV\s+(.*)$/i.exec(line);
    if (!m) continue;
    for (const [, name, value] of m[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
      env[name] = value.replace(/^"|"$/g, '').replace(/\$\{(\w+)\}/g, (whole, arg: string) => args[arg] ?? whole);
    }
  }
  return env;
}

const asContainer = (env: Record<string, string>) => ({ name: 'image', image: 'x', env: Object.entries(env).map(([name, value]) => ({ name, value })) });
const imageApp = (key: string) => ({ ...APPS[key], required: [] });

describe('deploy/containers', () => {
  it('the gateway image sets only variables the gateway reads, with valid values', () => {
    const env = finalStageEnv(readFileSync(`${dir}gateway.Containerfile`, 'utf8'), {});
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['HOST', 'PORT', 'REFDIFF_DATA_DIR']));
    expect(checkEnv('gateway image', asContainer(env), imageApp('refdiff-gateway'))).toEqual([]);
  });

  it.each(['cuda', 'cpu'])('the worker image (EXECUTION_PROVIDER=%s) sets only variables the worker reads, with valid values', (provider) => {
    const env = finalStageEnv(readFileSync(`${dir}gpu-worker.Containerfile`, 'utf8'), { EXECUTION_PROVIDER: provider });
    expect(env.REFDIFF_EXECUTION_PROVIDER).toBe(provider);
    expect(env.REFDIFF_WORKER_LISTEN).toBe('0.0.0.0:50051');
    expect(checkEnv('worker image', asContainer(env), imageApp('refdiff-gpu-worker'))).toEqual([]);
  });

  it('the check bites: an unknown variable and a refused value are reported', () => {
    const text = 'FROM x AS a\nENV IGNORED=1\nFROM y\nENV REFDIFF_WORKER_LISTEN=0.0.0.0:50051 \\\n    REFDIFF_EXECUTION_PROVIDER=tpu REFDIFF_TYPO=1\n';
    const env = finalStageEnv(text, {});
    expect(env).toEqual({ REFDIFF_WORKER_LISTEN: '0.0.0.0:50051', REFDIFF_EXECUTION_PROVIDER: 'tpu', REFDIFF_TYPO: '1' });
    const problems = checkEnv('worker image', asContainer(env), imageApp('refdiff-gpu-worker'));
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringContaining('REFDIFF_TYPO'), expect.stringContaining('REFDIFF_EXECUTION_PROVIDER')]),
    );
  });
});
