// Figures, not assertions: what the hash-first protocol saves per call on a large image, over loopback gRPC.
// Engine: the colour test engine (no models), so the numbers are the worker's transport + queue + mapping overhead.
// Run: npx tsx apps/gpu-worker/bench/hash-first.bench.ts [megapixels=2] [calls=40]
import { ColourEngine, syntheticScene } from '../test/support/colour-engine';
import { startTestWorker } from '../test/support/test-worker';

const megapixels = Number(process.argv[2] ?? 2);
const calls = Number(process.argv[3] ?? 40);
const side = Math.round(Math.sqrt(megapixels * 1e6));
const scene = syntheticScene(side, side, { red: [10, 10, Math.floor(side / 3), Math.floor(side / 3)] });
const w = await startTestWorker(new ColourEngine(256 * 1024 * 1024), { maxImageBytes: 30 * 1024 * 1024 }, 32 * 1024 * 1024);
await w.server.ready;

async function run(label: string, hashFirst: boolean) {
  const times: number[] = [];
  let sent = 0;
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    const r = await w.client.segment(scene.bytes, ['red'], undefined, { hashFirst });
    times.push(performance.now() - t);
    if (r.sentImageBytes) sent++;
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
  console.log(`${label.padEnd(22)} p50 ${p(0.5)} ms  p90 ${p(0.9)} ms  image bytes sent on ${sent}/${calls} calls`);
}

console.log(`image ${side}×${side} (${(scene.bytes.length / 1e6).toFixed(1)} MB encoded), ${calls} sequential calls`);
await run('bytes every call', false);
await run('hash-first (cached)', true);
await w.close();
