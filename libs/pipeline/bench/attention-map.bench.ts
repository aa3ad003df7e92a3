/**
 * The per-expression map stages at COCO size, interleaved in one process (CPU ms a call, median of rounds of 20):
 * c from a 32² readout map at 524×635 and s_G of 5 SAM masks by their runs — c then s_G's own pass over c for the
 * total (before) against c with the total taken while it is written (attentionToImageWithTotal, the engine's path).
 * `npx tsx libs/pipeline/bench/attention-map.bench.ts [rounds=15]`
 */
import { attentionToImage, attentionToImageTwoPass, attentionToImageWithTotal } from '../src/attention/attention-to-image';
import { generativeScoresFromRuns } from '../src/proposals/generative-score';

const rounds = Number(process.argv[2] ?? 15);
const n = 32;
const W = 524;
const H = 635;
const side = 635;
const placement = { side, offsetX: Math.floor((side - W) / 2), offsetY: 0, width: W, height: H };
let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const maps = Array.from({ length: 8 }, () => ({ side: n, data: Float32Array.from({ length: n * n }, rnd) }));
const runs = Array.from({ length: 5 }, (_, k) => {
  const r: number[] = [];
  for (let y = 100 + k * 50; y < 200 + k * 60; y++) r.push(y * W + 50 + k * 40, y * W + 150 + k * 50);
  return Int32Array.from(r);
});
const out = new Float32Array(W * H);
const cpu = (f: () => void, reps: number) => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / reps;
};
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const res: Record<string, number[]> = {};
let m = 0;
const cases: Record<string, () => void> = {
  'c, then s_G (its own total pass)': () => void generativeScoresFromRuns(attentionToImage(maps[m++ & 7], placement, 1e-8, out), runs),
  'c with its total, then s_G': () => {
    const { c, total } = attentionToImageWithTotal(maps[m++ & 7], placement, 1e-8, out);
    generativeScoresFromRuns(c, runs, total);
  },
  'c alone': () => void attentionToImage(maps[m++ & 7], placement, 1e-8, out),
  'c, two-pass reference': () => void attentionToImageTwoPass(maps[m++ & 7], placement, 1e-8),
};
for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(cases)) (res[k] ??= []).push(cpu(f, 20));
console.log(Object.entries(res).map(([k, v]) => `${k.padEnd(34)} ${med(v).toFixed(3)} ms (min ${Math.min(...v).toFixed(3)})`).join('\n'));
