#!/usr/bin/env node
/**
 * Removes installed packages that nothing the app runs can load: after `npm ci --omit=dev --workspace <ws>`, npm
 * still installs the optional peers of production packages (`@prisma/client` names the `prisma` CLI as one, so the
 * CLI and its tooling — @prisma/dev, @prisma/studio-core, effect, … about 180 MB — land in the gateway image although
 * nothing imports them). This walks package-lock.json from the root's and the workspace's production dependencies
 * along `dependencies`, `optionalDependencies` and non-optional `peerDependencies` (resolved as Node does: the nearest
 * node_modules upwards) and deletes every installed package it does not reach.
 *
 *   node prune-unreached.mjs <app dir> <workspace path, e.g. apps/gateway> [--dry-run]
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';

const [dir, workspace, flag] = process.argv.slice(2);
if (!dir || !workspace) throw new Error('usage: prune-unreached.mjs <app dir> <workspace path> [--dry-run]');
const dryRun = flag === '--dry-run';
const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
const packages = lock.packages;

/** The lock path a dependency `name` of the package at `from` resolves to (nearest node_modules upwards), or null. */
function resolve(from, name) {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i >= 0 ? base.slice(0, i) : base.startsWith('node_modules/') ? '' : posix.dirname(base) === '.' ? '' : posix.dirname(base);
  }
}

const reached = new Set();
const queue = [];
const visit = (path) => {
  if (path === null || reached.has(path)) return;
  reached.add(path);
  const entry = packages[path];
  // a workspace link: its target is what runs
  if (entry.link && entry.resolved) return visit(entry.resolved);
  queue.push(path);
};
/** What a package needs at run time: its dependencies, optional dependencies and peers that are not optional. */
const edges = (entry) => {
  const names = new Set([...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})]);
  for (const n of Object.keys(entry.peerDependencies ?? {})) if (!entry.peerDependenciesMeta?.[n]?.optional) names.add(n);
  return names;
};
// the root's and the workspace's own entries list only their production dependencies (devDependencies apart)
for (const start of ['', workspace]) {
  const entry = packages[start];
  if (!entry) throw new Error(`package-lock.json has no entry '${start}'`);
  for (const n of edges(entry)) visit(resolve(start, n));
}
while (queue.length > 0) {
  const path = queue.pop();
  for (const n of edges(packages[path])) visit(resolve(path, n));
}

let removed = 0;
const gone = [];
for (const path of Object.keys(packages).sort()) {
  if (!path.includes('node_modules/') || reached.has(path)) continue;
  // inside a folder already removed
  if (gone.some((g) => path.startsWith(`${g}/`))) continue;
  const onDisk = join(dir, path);
  if (!dryRun && !existsSync(onDisk)) continue;
  if (dryRun && (packages[path].dev || packages[path].link)) continue;
  gone.push(path);
  removed += 1;
  if (!dryRun) rmSync(onDisk, { recursive: true, force: true });
}
process.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${removed} packages nothing reaches: ${gone.map((g) => g.replace(/^.*node_modules\//, '')).join(' ')}\n`);
