/**
 * Dispatch throughput and API latency on the real PostgreSQL with workers that speak the real gRPC protocol
 * (test/fake-worker.ts, a fixed 20 ms "model" per call). Prints figures; asserts nothing.
 *   npx tsx apps/gateway/bench/dispatch.bench.ts [images=40] [expressionsPerImage=5] [replicas=2] [workers=3]
 */
import pino from 'pino';
import { openPostgres } from '../src/db/database';
import { GrpcWorkerPool } from '../src/dispatch/grpc-worker-pool';
import { startGateway } from '../src/runtime';
import { startFakeWorker } from '../test/fake-worker';
import { gql, upload } from '../test/harness';
import { pngNoise } from '../test/images';
import { adminQuery as adminSql, dropDatabase, uniqueDbName, urlFor } from '../test/pg';

const [images = 40, perImage = 5, replicas = 2, workerCount = 3] = process.argv.slice(2).map(Number);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const name = uniqueDbName('refdiff_gw_bench');
await adminSql(`CREATE DATABASE "${name}"`);
const url = urlFor(name);
const workers = await Promise.all(Array.from({ length: workerCount }, () => startFakeWorker({ delayMs: 20, maxConcurrent: 4 })));
const gws = [];
for (let i = 0; i < replicas; i++) {
  const db = await openPostgres(url, { poolMax: 6 });
  if (i === 0) await db.migrate();
  const pool = await GrpcWorkerPool.create({ targets: workers.map((w) => w.target), logger });
  const gw = await startGateway({ db, logger, pool, startDispatcher: false, dispatcher: { pollMs: 200 } });
  gws.push({ db, pool, gw, url: `http://127.0.0.1:${await gw.listen(0)}` });
}
const tenant = await gws[0].gw.services.tenants.create('bench', { rateLimitPerMinute: 1_000_000 });
const { token } = await gws[0].gw.services.apiKeys.create(tenant.id, 'bench', ['READ', 'SEGMENT']);

const segmentMs: number[] = [];
const ids: string[] = [];
for (let i = 0; i < images; i++) {
  const img = (await upload(gws[i % replicas].url, token, await pngNoise(64, 48, i + 1))).body.image.id;
  const t = performance.now();
  const r = await gql(gws[i % replicas].url, token, 'mutation($i: ID!, $e: [String!]!) { segment(imageId: $i, expressions: $e) { id } }', {
    i: img,
    e: Array.from({ length: perImage }, (_, j) => `object ${i}-${j}`),
  });
  segmentMs.push(performance.now() - t);
  ids.push(...r.data!.segment.map((s: { id: string }) => s.id));
}
const t0 = performance.now();
for (const g of gws) g.gw.dispatcher?.start();
for (let i = 0; i < ids.length; i += 100) {
  const chunk = ids.slice(i, i + 100);
  for (;;) {
    const r = await gql(gws[0].url, token, 'query($ids: [ID!]!) { waitForSegmentations(ids: $ids, timeoutSeconds: 30) { status } }', { ids: chunk });
    if (r.data!.waitForSegmentations.every((s: { status: string }) => s.status === 'SUCCEEDED')) break;
  }
}
const elapsed = performance.now() - t0;
const calls = workers.reduce((a, w) => a + w.calls.length, 0);
const sorted = [...segmentMs].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1);
process.stdout.write(
  [
    `dispatch: ${ids.length} expressions on ${images} images, ${replicas} gateway replicas, ${workerCount} workers (20 ms per call)`,
    `  drained in ${(elapsed / 1000).toFixed(2)} s = ${((ids.length / elapsed) * 1000).toFixed(0)} expressions/s, ${calls} worker calls (${(ids.length / calls).toFixed(2)} expressions per call)`,
    `  segment mutation latency (${perImage} expressions): p50 ${pct(50)} ms, p90 ${pct(90)} ms, max ${pct(100)} ms`,
    `  finished per replica: ${gws.map((g) => g.gw.dispatcher?.finishedCount ?? 0).join(', ')}`,
  ].join('\n') + '\n',
);
for (const g of gws) {
  await g.gw.stop();
  await g.pool.close();
  await g.db.close();
}
for (const w of workers) await w.close();
await dropDatabase(name);
process.exit(0);
