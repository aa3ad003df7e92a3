/**
 * /healthz while 20 MB images upload, per image store, in one run (before/after on the same machine): a
 * `refdiff serve` subprocess on a fresh PostgreSQL database for each store, `--images` uploads at once, `--rounds`
 * times. Prints /healthz p50/p99/max seen from outside, the gateway's own event-loop delay (max, p99) and its CPU
 * time per round, with the load average. Asserts nothing.
 *   npx tsx apps/gateway/bench/upload-health.bench.ts [--stores database,s3,fs] [--images 3] [--rounds 3] [--json]
 */
import { loadavg } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pngNoise } from '../test/images';
import { adminQuery, dropDatabase, uniqueDbName, urlFor } from '../test/pg';
import { idleLag, serveGateway, startS3rverProcess, tenantToken, uploadsWithHealth, type UploadHealth } from '../test/upload-health';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'database,s3,fs' },
    images: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const stores = values.stores.split(',').map((s) => s.trim());
const n = Number(values.images);
const rounds = Number(values.rounds);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');

// ~20 MB each (incompressible noise, 2600×2560 RGB), distinct per round so nothing is deduplicated.
const images: Uint8Array[][] = [];
for (let r = 0; r < rounds; r++) images.push(await Promise.all(Array.from({ length: n }, (_, i) => pngNoise(2600, 2560, 1000 + r * n + i))));
const mb = images[0][0].length / 1e6;

const report: { store: string; imageMB: number; images: number; idle: { maxMs: number; p99Ms: number }; rounds: (UploadHealth & { load: string })[] }[] = [];
for (const store of stores) {
  const name = uniqueDbName('refdiff_s3store_bench');
  await adminQuery(`CREATE DATABASE "${name}"`);
  const s3 = store === 's3' ? await startS3rverProcess('refdiff-bench') : null;
  const fsDir = store === 'fs' ? await mkdtemp(join(tmpdir(), 'refdiff-bench-fs-')) : null;
  const env: Record<string, string> = { DATABASE_URL: urlFor(name) };
  if (store === 'database') env.IMAGE_STORE = 'database';
  if (fsDir) env.IMAGE_STORE = `fs:${fsDir}`;
  if (s3) Object.assign(env, { IMAGE_STORE: 's3://refdiff-bench/images', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  const g = await serveGateway(env);
  try {
    const token = await tenantToken(g, 'bench');
    const idle = await idleLag(g, 3_000);
    if (!values.json) console.log(`${store.padEnd(8)} idle 3 s: gateway event-loop delay max ${idle.maxMs} ms p99 ${idle.p99Ms} ms; load ${load()}`);
    const entry = { store, imageMB: Number(mb.toFixed(1)), images: n, idle, rounds: [] as (UploadHealth & { load: string })[] };
    for (let r = 0; r < rounds; r++) {
      const h = await uploadsWithHealth(g, token, images[r]);
      entry.rounds.push({ ...h, load: load() });
      if (!values.json) {
        console.log(
          `${store.padEnd(8)} round ${r + 1}: ${n}×${mb.toFixed(1)} MB → ${h.statuses.join(',')} in ${h.uploadMs} ms; /healthz ${h.polls} answers ` +
            `p50 ${h.p50} ms p99 ${h.p99} ms max ${h.max} ms; gateway event-loop delay max ${h.lagMaxMs} ms p99 ${h.lagP99Ms} ms; ` +
            `gateway CPU ${h.gatewayCpuMs} ms; load ${load()}`,
        );
      }
    }
    report.push(entry);
  } finally {
    await g.close();
    await s3?.close();
    if (fsDir) await rm(fsDir, { recursive: true, force: true });
    await dropDatabase(name);
  }
}
if (values.json) console.log(JSON.stringify({ load: load(), report }, null, 2));
