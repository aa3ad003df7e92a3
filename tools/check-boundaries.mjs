#!/usr/bin/env node
// Proves that the module-boundary lint really bites: writes imports that the rules forbid into
// each domain library, lints them through Nx's project graph, and fails unless every one is reported.
// A lint configuration that would pass any import fails this check.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cases = [
  { lib: 'libs/nlp', line: "import * as ort from 'onnxruntime-node';", why: 'onnxruntime-node in a domain lib' },
  { lib: 'libs/pipeline', line: "import * as grpc from '@grpc/grpc-js';", why: 'gRPC in a domain lib' },
  { lib: 'libs/pipeline', line: "import pino from 'pino';", why: 'pino in a domain lib' },
  { lib: 'libs/pipeline', line: "import * as wt from 'node:worker_threads';", why: 'worker threads in a domain lib', rule: 'no-restricted-imports' },
  { lib: 'libs/nlp', line: "import * as p from '@refdiff/pipeline';", why: 'nlp depending on pipeline (scope)' },
  { lib: 'libs/pipeline', line: "import * as m from '@refdiff/models';", why: 'a domain lib depending on infra' },
  { lib: 'libs/pipeline', line: "import * as w from '@refdiff/gpu-worker';", why: 'a lib depending on an app' },
  { lib: 'apps/gateway', line: "import * as m from '@refdiff/models';", why: 'the gateway seeing model runtimes' },
  { lib: 'apps/web', line: "import * as g from '@refdiff/gateway';", why: 'the pages importing the gateway (HTTP only)' },
  { lib: 'libs/pipeline', line: "import * as n from '../../nlp/src/index';", why: 'a relative import into another project' },
];

// Lint needs Nx's cached project graph; without it the rule is silently skipped.
execFileSync('npx', ['nx', 'show', 'projects'], { cwd: root, stdio: 'ignore' });

const files = cases.map((c, i) => {
  const file = join(root, c.lib, 'src', `__boundary_probe_${i}__.ts`);
  const name = c.line.match(/import (?:\* as )?(\w+)/)[1];
  writeFileSync(file, `${c.line}\nexport const probe = [${name}];\n`);
  return file;
});
let results = [];
try {
  const out = execFileSync('npx', ['eslint', '--format', 'json', ...files], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  results = JSON.parse(out);
} catch (err) {
  results = JSON.parse(err.stdout || '[]');
} finally {
  for (const file of files) rmSync(file, { force: true });
}

let failures = 0;
cases.forEach((c, i) => {
  const result = results.find((r) => r.filePath === files[i]);
  const caught = !!result?.messages.some((m) => m.ruleId === (c.rule ?? '@nx/enforce-module-boundaries'));
  console.log(`${caught ? 'rejected' : 'ALLOWED '}  ${c.why}`);
  if (!caught) failures += 1;
});
if (failures) {
  console.error(`module boundaries: ${failures} forbidden import(s) passed lint`);
  process.exit(1);
}
console.log(`module boundaries: all ${cases.length} forbidden imports rejected`);
