/**
 * The container images end to end (issue 15 pt 1; docs/deploy.md, "Containers"): builds the production JavaScript,
 * the gateway image and the worker image's CPU variant from deploy/containers/*.Containerfile on the local Node 24
 * base, starts both on the host network against this machine's PostgreSQL (a database of its own), mounts the
 * fixture pack read-only into the worker, and segments a synthetic scene through the gateway's GraphQL API.
 * Removes its containers and database however it ends. Prints how long each step took and the image sizes.
 *
 *   npm run test:containers        (root; .ci/run runs it after `npm test`; needs podman, runc and debootstrap)
 *
 * Environment: DATABASE_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres), CONTAINERS_E2E_PORT_BASE
 * (three ports from there: gateway HTTP, worker gRPC, worker metrics; default: free ephemeral ports),
 * CONTAINERS_E2E_SKIP_BUILD=1 (reuse the images already tagged).
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { createRefdiffClient } from '@refdiff/client';
import { ensureFixturePack } from '@refdiff/models';
import { decodeRle, scoreMask } from '@refdiff/pipeline';
import { createRng, generateScene, referringExpressions } from '@refdiff/synthetic';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BASE = 'localhost/refdiff-node:24-bookworm';
const GATEWAY_IMAGE = 'localhost/refdiff-gateway:ci';
const WORKER_IMAGE = 'localhost/refdiff-gpu-worker:cpu-ci';
const DB_NAME = 'refdiff_containers_e2e';
const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
// This sandbox needs runc, explicit ulimits and host networking (../shared/docs/offline-install.md, podman).
const RUNTIME = ['--runtime', 'runc'];
const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--network', 'host'];

const timings: [string, number][] = [];
async function step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  console.log(`\n-- ${name}`);
  try {
    return await fn();
  } finally {
    timings.push([name, (performance.now() - started) / 1000]);
  }
}

function run(cmd: string, args: string[], options: { quiet?: boolean; allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (!options.quiet) process.stdout.write(r.stdout + r.stderr);
  if (r.status !== 0 && !options.allowFail) {
    if (options.quiet) process.stdout.write(r.stdout + r.stderr);
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  }
  return r.stdout;
}
const podman = (args: string[], options?: { quiet?: boolean; allowFail?: boolean }) => run('podman', [...RUNTIME, ...args], options);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, containers: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    for (const c of containers) {
      const state = podman(['inspect', '--format', '{{.State.Status}}', c], { quiet: true, allowFail: true }).trim();
      if (state !== 'running') throw new Error(`${what}: container ${c} is ${state || 'gone'}`);
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const containers: string[] = [];
let dataDir: string | null = null;
let dbCreated = false;

async function cleanUp(): Promise<void> {
  for (const c of containers.splice(0)) podman(['rm', '--force', '--time', '5', c], { quiet: true, allowFail: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (dbCreated) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.end();
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

async function main(): Promise<void> {
  if (spawnSync('podman', ['--version']).status !== 0) throw new Error('podman is not installed (apt-get install podman runc debootstrap)');
  const started = performance.now();

  if (process.env.CONTAINERS_E2E_SKIP_BUILD !== '1') {
    await step('local Node 24 base (debootstrap + npm node@24; reused from podman’s store)', () =>
      run('bash', ['deploy/containers/local-base.sh']),
    );
    await step('production build (nx build: gateway, gpu-worker, cli, web)', () =>
      run('npx', ['nx', 'run-many', '-t', 'build', '-p', 'gateway', 'gpu-worker', 'cli', 'web', '--outputStyle=static'], { quiet: true }),
    );
    const build = (file: string, tag: string, args: string[]) =>
      podman(['build', ...LIMITS, ...args, '-f', file, '-t', tag, '.'], { quiet: true });
    await step('gateway image', () => build('deploy/containers/gateway.Containerfile', GATEWAY_IMAGE, ['--build-arg', `BASE=${BASE}`]));
    await step('worker image, CPU variant', () =>
      build('deploy/containers/gpu-worker.Containerfile', WORKER_IMAGE, [
        '--build-arg', `BASE=${BASE}`, '--build-arg', `NODE_IMAGE=${BASE}`, '--build-arg', 'EXECUTION_PROVIDER=cpu',
      ]),
    );
    // Intermediate layers of earlier builds that no tag uses any more (the tagged images stay: the next build reuses them).
    podman(['image', 'prune', '--force'], { quiet: true, allowFail: true });
  }

  const portBase = Number(process.env.CONTAINERS_E2E_PORT_BASE ?? 0);
  const [httpPort, grpcPort, metricsPort] = portBase ? [portBase, portBase + 1, portBase + 2] : [await freePort(), await freePort(), await freePort()];
  const tag = `${process.pid}`;

  const packDir = await step('fixture pack (generated on the host, mounted read-only)', () =>
    ensureFixturePack(process.env.REFDIFF_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'refdiff')),
  );

  await step(`database ${DB_NAME}`, async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
    dbCreated = true;
    await admin.end();
  });
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${DB_NAME}`;

  const gateway = `refdiff-e2e-gateway-${tag}`;
  const worker = `refdiff-e2e-worker-${tag}`;
  await step('start the worker and the gateway', () => {
    containers.push(worker);
    podman(['run', '--detach', '--name', worker, ...LIMITS,
      '--volume', `${packDir}:/models/fixture:ro`,
      '--env', 'REFDIFF_MODEL_PACK=/models/fixture',
      '--env', `REFDIFF_WORKER_LISTEN=127.0.0.1:${grpcPort}`,
      '--env', 'REFDIFF_METRICS_HOST=127.0.0.1',
      '--env', `REFDIFF_METRICS_PORT=${metricsPort}`,
      // One CPU-pool thread (the default on 2 cores is none): SAM post-processing then runs in the compiled thread
      // entry (apps/gpu-worker/dist/cpu-thread.js), which only the build has.
      '--env', 'REFDIFF_WORKER_CPU_THREADS=1',
      WORKER_IMAGE], { quiet: true });
    // The gateway as Kubernetes runs it (deploy/kubernetes/base/gateway.yaml): read-only root, data in /data.
    dataDir = mkdtempSync(join(tmpdir(), 'refdiff-e2e-data-'));
    chownSync(dataDir, 10001, 10001);
    containers.push(gateway);
    podman(['run', '--detach', '--name', gateway, ...LIMITS, '--read-only',
      '--volume', `${dataDir}:/data`,
      '--env', `DATABASE_URL=${dbUrl.href}`,
      '--env', `WORKERS=127.0.0.1:${grpcPort}`,
      // Image bytes in files on the data volume (a deployment names a store; docs/gateway.md, "Image storage").
      '--env', 'IMAGE_STORE=fs:/data/images',
      '--env', 'HOST=127.0.0.1',
      '--env', `PORT=${httpPort}`,
      GATEWAY_IMAGE], { quiet: true });
  });

  const url = `http://127.0.0.1:${httpPort}`;
  await step('gateway ready (migrated, admin key written) and the worker serving', async () => {
    await waitFor('gateway /readyz', async () => (await fetch(`${url}/readyz`)).ok, containers, 180_000);
    await waitFor('worker /metrics', async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok, containers, 180_000);
  });
  const apiKey = readFileSync(join(dataDir!, 'admin.key'), 'utf8').trim();

  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) problems.push(what);
  };

  await step('segment a synthetic scene through GraphQL', async () => {
    const seed = 7;
    const scene = generateScene({ width: 192, height: 128, seed, objects: 3 });
    const expressions = referringExpressions(scene, createRng(seed)).slice(0, 3);
    const { default: sharp } = await import('sharp');
    const png = await sharp(Buffer.from(scene.image), { raw: { width: scene.width, height: scene.height, channels: 3 } }).png().toBuffer();
    const client = createRefdiffClient({ url, apiKey, webSocketImpl: WebSocket });
    try {
      const image = await client.upload(new Uint8Array(png));
      const queued = await client.segment(image.id, expressions.map((e) => e.text));
      const results = await client.wait(queued.map((s) => s.id), { timeoutMs: 300_000 });
      results.forEach((s, i) => {
        const iou = s.mask ? scoreMask(decodeRle({ size: [s.mask.rle.size[0], s.mask.rle.size[1]], counts: s.mask.rle.counts }), scene.masks[expressions[i].target]).iou : 0;
        check(s.status === 'SUCCEEDED' && iou >= 0.5, `"${s.expression}" → ${s.status}, IoU vs ground truth ${iou.toFixed(3)}${s.error ? ` (${s.error.code}: ${s.error.message})` : ''}`);
      });
    } finally {
      await client.close();
    }
  });

  await step('what the images promise', async () => {
    const page = await fetch(`${url}/`);
    const built = readFileSync(join(root, 'apps/web/dist/index.html'), 'utf8');
    check(page.ok && (await page.text()) === built, 'the gateway serves the prebuilt pages (GET / = apps/web/dist/index.html)');
    const stored = spawnSync('find', [join(dataDir!, 'images'), '-type', 'f'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    check(stored.length === 1, `the uploaded image's bytes are in the fs store on the data volume (${stored.length} file)`);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    check(/^refdiff_worker_requests_total\{.*\} [1-9]/m.test(metrics), 'the worker counted the requests it served (refdiff_worker_requests_total)');
    for (const c of [gateway, worker]) {
      check(podman(['exec', c, 'id', '-u'], { quiet: true }).trim() === '10001', `${c}: runs as uid 10001, not root`);
      const noTsx = spawnSync('podman', [...RUNTIME, 'exec', c, 'sh', '-c', 'test ! -e /app/node_modules/tsx && test ! -e /app/apps/cli/src']);
      check(noTsx.status === 0, `${c}: no tsx and no TypeScript sources in the image`);
    }
    const inspect = spawnSync('podman', [...RUNTIME, 'exec', worker, 'refdiff', 'models', 'inspect', '/models/fixture', '--quick'], { encoding: 'utf8' });
    check(inspect.status === 0, 'the worker image’s `refdiff models inspect` reads the read-only pack');
    const write = spawnSync('podman', [...RUNTIME, 'exec', worker, 'sh', '-c', 'touch /models/fixture/x']);
    check(write.status !== 0, 'the pack is mounted read-only');
  });

  const sizes = [GATEWAY_IMAGE, WORKER_IMAGE, BASE].map((image) => {
    const bytes = Number(podman(['image', 'inspect', '--format', '{{.Size}}', image], { quiet: true }).trim());
    return `${image} ${(bytes / 1e6).toFixed(0)} MB`;
  });
  console.log('\ncontainer test: step times (s)');
  for (const [name, s] of timings) console.log(`  ${s.toFixed(1).padStart(7)}  ${name}`);
  console.log(`  ${((performance.now() - started) / 1000).toFixed(1).padStart(7)}  total`);
  console.log(`images: ${sizes.join(', ')}`);
  if (problems.length) throw new Error(`${problems.length} check(s) failed:\n  ${problems.join('\n  ')}`);
}

try {
  await main();
  console.log('container test passed');
} catch (err) {
  console.error(`\ncontainer test FAILED: ${err instanceof Error ? err.message : String(err)}`);
  for (const c of containers) {
    console.error(`\n--- logs of ${c} (last 60 lines)`);
    spawnSync('podman', [...RUNTIME, 'logs', '--tail', '60', c], { stdio: 'inherit' });
  }
  process.exitCode = 1;
} finally {
  await cleanUp();
}
