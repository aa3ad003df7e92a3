/** `npm run render -w @refdiff/deploy -- kubernetes/overlays/gpu`: prints the rendered objects as YAML, after the checks. */
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { checkManifests } from './check';
import { imageApps, render } from './kustomize';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: render <kustomization dir>   (e.g. kubernetes/overlays/cpu-demo)');
  process.exit(2);
}
const objects = render(resolve(dir));
const problems = checkManifests(objects, imageApps(resolve(import.meta.dirname, '../kubernetes/base')));
process.stdout.write(objects.map((o) => stringify(o)).join('---\n'));
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
