/**
 * Weight-free proposals, ours vs vectorised NumPy, interleaved so both see the same machine load:
 * `npx tsx libs/pipeline/bench/weight-free.bench.ts [rounds=5] [size=1024]`. Each round takes the median of 20 runs
 * of each; prints per-round figures and the median ratio NumPy / ours (wall and CPU time).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomSmoothMap } from '../src/bench/pipeline-bench';
import { weightFreeProposals } from '../src/proposals/weight-free-proposals';

const rounds = Number(process.argv[2] ?? 5);
const size = Number(process.argv[3] ?? 1024);
const runs = 20;
const script = fileURLToPath(new URL('./weight_free_numpy.py', import.meta.url));
const map = randomSmoothMap(size, 1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// steady state: V8 optimises the function as a whole only after a few calls
for (let i = 0; i < 10; i++) weightFreeProposals(map, size, size);
const wallRatios: number[] = [];
const cpuRatios: number[] = [];
for (let r = 0; r < rounds; r++) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    weightFreeProposals(map, size, size);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const np = JSON.parse(execFileSync('python3', [script, '--size', String(size), '--runs', String(runs)], { encoding: 'utf8' })) as {
    numpyWeightFreeProposalsMs: number;
    numpyWeightFreeProposalsCpuMs: number;
  };
  const ours = { wall: median(wall), cpu: median(cpu) };
  wallRatios.push(np.numpyWeightFreeProposalsMs / ours.wall);
  cpuRatios.push(np.numpyWeightFreeProposalsCpuMs / ours.cpu);
  console.log(
    `round ${r + 1}: ours ${ours.wall.toFixed(2)} ms (cpu ${ours.cpu.toFixed(2)}), numpy ${np.numpyWeightFreeProposalsMs.toFixed(2)} ms (cpu ${np.numpyWeightFreeProposalsCpuMs.toFixed(2)})`,
  );
}
console.log(
  JSON.stringify({ size, rounds, medianRatioWall: +median(wallRatios).toFixed(2), medianRatioCpu: +median(cpuRatios).toFixed(2) }),
);
