// Figures, not assertions: the extra CPU per additional expression on a cached image, measured as
// `refdiff bench worker` measures it (process CPU of a K-expression call − of a 1-expression call, each on an engine
// that has seen the image, a full GC before each), with more rounds, the page faults, and optionally a V8 CPU
// profile of the measured calls — the K-expression and the 1-expression calls profiled apart, so their difference by
// function is where the per-expression CPU goes (the profiler itself inflates every figure; read the shares).
// Run: npx tsx apps/gpu-worker/bench/per-expression.bench.ts [rounds=10] [--profile out-prefix]
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { loadPack } from '@refdiff/models';
import { A100_PROFILE, createRefDiff, recordModels, replayModels, SimulatedDevice } from '@refdiff/pipeline';
import { benchImages, recordCachedImageCalls } from '../src/bench/worker-bench';
import { loadWorkerConfig } from '../src/config/env';
import { fixturePackDir } from '../src/engine/load-engine';

const args = process.argv.slice(2);
const profIdx = args.indexOf('--profile');
const profile = profIdx >= 0 ? args[profIdx + 1] : null;
const rounds = Number(args.find((a, i) => /^\d+$/.test(a) && (profIdx < 0 || i !== profIdx + 1)) ?? 10);
const K = 3;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// the bench worker's images and the calls it records for them
const { images, spare } = await benchImages(3, K, 2024);
const log = pino({ level: 'silent' });
const models = await loadPack(await fixturePackDir(loadWorkerConfig(process.env).models.cacheDir, log), { executionProvider: 'cpu', threads: 2, logger: log });
const recorder = recordModels(models);
for (const im of images) await recordCachedImageCalls(recorder, im, spare);
const recording = recorder.recording;
await models.dispose();

const session = profile ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
}
type Node = { id: number; callFrame: { functionName: string; url: string } };
type Prof = { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const selfMs = { one: new Map<string, number>(), all: new Map<string, number>() };
function addProfile(p: Prof, into: Map<string, number>): void {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < p.samples.length; i++) {
    const f = byId.get(p.samples[i])?.callFrame;
    if (!f) continue;
    const k = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}`;
    into.set(k, (into.get(k) ?? 0) + (p.timeDeltas[i + 1] ?? 0) / 1000);
  }
}

async function measure(f: () => Promise<unknown>, into: Map<string, number> | null): Promise<{ cpuMs: number; faults: number }> {
  gc();
  const pf0 = process.resourceUsage().minorPageFault;
  if (session && into) await session.post('Profiler.start');
  const c0 = process.cpuUsage();
  await f();
  const c = process.cpuUsage(c0);
  if (session && into) addProfile(((await session.post('Profiler.stop')) as { profile: Prof }).profile, into);
  return { cpuMs: (c.user + c.system) / 1000, faults: process.resourceUsage().minorPageFault - pf0 };
}

const extra: number[] = [];
const extraFaults: number[] = [];
// round 0 warms the code up and is not counted
for (let r = 0; r <= rounds; r++) {
  for (const im of images) {
    const one = createRefDiff(replayModels(recording, new SimulatedDevice(A100_PROFILE)), { imageCacheBytes: 1 << 30 });
    await one.segment({ image: im.png }, [spare]);
    const m1 = await measure(() => one.segment({ image: im.png }, im.expressions.slice(0, 1)), r > 0 ? selfMs.one : null);
    const all = createRefDiff(replayModels(recording, new SimulatedDevice(A100_PROFILE)), { imageCacheBytes: 1 << 30 });
    await all.segment({ image: im.png }, [spare]);
    const mK = await measure(() => all.segment({ image: im.png }, im.expressions), r > 0 ? selfMs.all : null);
    if (r === 0) continue;
    extra.push((mK.cpuMs - m1.cpuMs) / (K - 1));
    extraFaults.push((mK.faults - m1.faults) / (K - 1));
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const r1 = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    extraCpuPerExpressionMs: r1(med(extra)),
    meanMs: r1(extra.reduce((a, b) => a + b, 0) / extra.length),
    minMs: r1(Math.min(...extra)),
    roundsMs: extra.map(r1),
    extraFaultsPerExpression: med(extraFaults),
    loadAverage: loadavg().map(r1),
  }),
);
if (profile) {
  const n = extra.length;
  const rows = [...new Set([...selfMs.one.keys(), ...selfMs.all.keys()])]
    .map((k) => ({ k, one: (selfMs.one.get(k) ?? 0) / n, all: (selfMs.all.get(k) ?? 0) / n }))
    .map((x) => ({ ...x, diff: (x.all - x.one) / (K - 1) }))
    .sort((a, b) => b.diff - a.diff);
  const lines = rows.slice(0, 60).map((x) => `${x.diff.toFixed(3).padStart(8)} ${x.all.toFixed(2).padStart(8)} ${x.one.toFixed(2).padStart(8)}  ${x.k}`);
  writeFileSync(`${profile}.txt`, `per-expression ms | K-call ms | 1-call ms | function (self time, profiled)\n${lines.join('\n')}\n`);
  console.log(lines.slice(0, 30).join('\n'));
}
