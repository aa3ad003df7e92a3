#!/usr/bin/env node
/**
 * The production build of an app (`npx nx run-many -t build`): its entry and every `@refdiff/*` library it imports,
 * compiled to plain ES modules in `<app>/dist/` for Node ≥ 20 — no tsx at run time. npm packages stay external
 * (installed with `npm ci --omit=dev`), so native ones (onnxruntime-node, sharp, Prisma's engines) load as usual.
 *
 *   node tools/build/bundle-app.mjs gateway|gpu-worker|cli     (the apps' `build` scripts run this)
 *
 * Code splitting keeps lazy `import()`s lazy: `refdiff --help` still loads no model runtime or database driver.
 * Sources find their files next to themselves (`new URL('../graphql/schema.graphql', import.meta.url)`, the proto
 * folder, the migrations, apps/web/dist): in the bundle each module's `import.meta.url` is rewritten to its source
 * file's URL, computed from the bundle's own location, so those paths resolve exactly as in development. A deployed
 * tree therefore keeps the repository's layout for those files (deploy/containers/*.Containerfile copy them).
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The apps with a production build: entries (from the repository root) → output name in `<app>/dist/`.
 * `threads` are worker-thread entries: in development a thread starts from `<name>.bootstrap.mjs` beside `<name>.ts`
 * (which registers tsx); in the build `new URL('./<name>.bootstrap.mjs', import.meta.url)` points at the compiled
 * `<name>.js` instead. A bootstrap URL that is not listed here fails the build rather than the deployed app.
 */
const WORKER_THREADS = { 'cpu-thread': 'apps/gpu-worker/src/threads/cpu-thread.ts' };
export const APPS = {
  gateway: { dir: 'apps/gateway', entries: { main: 'apps/gateway/src/main.ts' }, threads: {} },
  'gpu-worker': { dir: 'apps/gpu-worker', entries: { main: 'apps/gpu-worker/src/main.ts' }, threads: WORKER_THREADS },
  // The CLI runs the worker too (`refdiff worker`, and the embedded gateway's local worker).
  cli: { dir: 'apps/cli', entries: { refdiff: 'apps/cli/src/run.ts' }, threads: WORKER_THREADS },
};

/**
 * Rewrites `import.meta.url` in our own sources to the source file's URL, relative to the output folder, and thread
 * bootstrap URLs to the compiled thread entries (which sit in the output folder itself).
 */
function sourceLocationPlugin(outdir, threads) {
  const threadOutputs = new Map(Object.entries(threads).map(([out, src]) => [join(root, src).replace(/\.ts$/, '.bootstrap.mjs'), out]));
  const bootstrapUrl = /new URL\((['"])(\.{1,2}\/[^'"]+\.bootstrap\.mjs)\1,\s*import\.meta\.url\)/g;
  return {
    name: 'refdiff-source-location',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        if (args.path.split(sep).includes('node_modules')) return undefined;
        let text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
        const errors = [];
        text = text.replace(bootstrapUrl, (whole, _q, rel) => {
          const out = threadOutputs.get(join(dirname(args.path), rel));
          if (out === undefined) {
            errors.push({ text: `worker-thread bootstrap ${rel} is not a thread entry of this build (tools/build/bundle-app.mjs, WORKER_THREADS)` });
            return whole;
          }
          return `new URL(${JSON.stringify(`./${out}.js`)}, __REFDIFF_BUNDLE_URL__)`;
        });
        if (errors.length) return { errors };
        const rel = relative(outdir, args.path).split(sep).join('/');
        const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', url).replaceAll('__REFDIFF_BUNDLE_URL__', 'import.meta.url'), loader: 'ts' };
      });
    },
  };
}

/** Every bare import except our workspace libraries stays external (resolved from node_modules at run time). */
const externalPackagesPlugin = {
  name: 'refdiff-external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@refdiff/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

export async function bundleApp(name) {
  const app = APPS[name];
  if (!app) throw new Error(`unknown app ${name} (one of ${Object.keys(APPS).join(', ')})`);
  const appDir = join(root, app.dir);
  const outdir = join(appDir, 'dist');
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const entryPoints = Object.fromEntries(Object.entries({ ...app.entries, ...app.threads }).map(([out, src]) => [out, join(root, src)]));
  const result = await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    // Keeps stack traces and error messages (`err.name`, class names in logs) as in development.
    keepNames: true,
    logLevel: 'warning',
    metafile: true,
    plugins: [externalPackagesPlugin, sourceLocationPlugin(outdir, app.threads)],
  });
  // The packages the build imports at run time: what an image must install (informational, read by humans and tests).
  const externals = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) if (imp.external && !imp.path.startsWith('node:')) externals.add(imp.path);
  }
  await writeFile(join(outdir, 'externals.json'), JSON.stringify([...externals].sort(), null, 2) + '\n');
  const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
  return { outdir, files, externals: [...externals].sort() };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  if (names.length === 0) {
    console.error(`usage: bundle-app.mjs <${Object.keys(APPS).join('|')}>...`);
    process.exit(2);
  }
  for (const name of names) {
    const started = Date.now();
    const { outdir, files } = await bundleApp(name);
    console.log(`${name}: ${files.length} files in ${relative(root, outdir)} (${Date.now() - started} ms)`);
  }
}
