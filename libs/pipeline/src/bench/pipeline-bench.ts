import { positionalBias } from '../clip/positional-bias';
import { gaussianNoise, createUniformRng } from '../diffusion/gaussian-rng';
import { minMaxNormalize } from '../attention/attention-aggregate';
import { resizeBilinear } from '../image/bilinear-resize';
import { encodeRle } from '../masks/coco-rle';
import { weightFreeProposals, type ThresholdMode } from '../proposals/weight-free-proposals';
import { SamMaskUpscaler } from '../sam/mask-upscale';
import { samGeometry } from '../sam/sam-geometry';
import { SamMaskGenerator } from '../sam/sam-mask-generator';
import type { SamDecodeResult } from '../ports/ref-diff-models';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { prepareSdInput } from '../image/sd-input';
import { prepareSamInput } from '../image/sam-input';
import { resizeImage } from '../image/image-resize';
import { toClipPixels, CLIP_MEAN, CLIP_STD } from '../image/image-normalize';
import { padToSquare } from '../image/square-pad';
import type { RgbImage } from '../image/rgb-image';
import { decodeImage } from '../image/image-decode';
import { InputBufferPool } from '../image/input-buffers';
import sharp from 'sharp';

/** Figures `refdiff bench pipeline` prints: medians in milliseconds over `runs` repetitions. */
export interface PipelineBenchResult {
  size: number;
  runs: number;
  weightFreeProposalsMs: number;
  weightFreeQuantileMs: number;
  stabilityAndNmsMs: number;
  /**
   * SAM's whole post-processing of 3,072 decoded candidates (1,024 points × 3: IoU filter, stability, binarise, boxes,
   * NMS, upscale of the kept masks) for a 640×480 image (COCO size) and a 1024² one, with the fast 'runs' engine and
   * with the 'reference' engine it is tested against (the implementation before it). Median of min(runs, 5).
   * `samPostNoSimdMs`: the 'runs' engine with its WebAssembly SIMD kernels off (all JavaScript), at 640×480.
   * The 'runs' engine reads each batch where the decoder wrote it, in a buffer the generator lends (as the engine's
   * inline processor feeds it; the decoder's write is not counted); `samPostCopyInMs` is the same engine fed the
   * decoder's own arrays, every candidate's cells copied into the WebAssembly memory first (a processor on worker
   * threads, the replay runtime, a model that ignores the lent buffer).
   */
  samPostMs: number;
  samPostCopyInMs: number;
  samPostNoSimdMs: number;
  samPost1024Ms: number;
  samPostReferenceMs: number;
  samPost1024ReferenceMs: number;
  upscaleMs: number;
  /**
   * Input preparation of a 640×480 image (COCO size): SD at 512 and at 1024 (pad to square, resize, [-1, 1]), SAM
   * (resize longest side to 1024, normalise, pad), CLIP (pad to square, bicubic to 224, normalise). As the engine
   * runs them: buffers lent from one InputBufferPool and given back after each call (the engine gives them back when
   * the model call has read them), after INPUT_WARMUP calls each.
   */
  sdInput512Ms: number;
  sdInput1024Ms: number;
  samInputMs: number;
  clipInputMs: number;
  /** sdInput512Ms + samInputMs + clipInputMs: one image's input preparation at SD 512 (issue 17: ≤ 30 ms CPU) */
  inputPrepMs: number;
  /** decoding the same 640×480 image from a quality-90 JPEG (what the worker does once per new image) */
  decodeJpegMs: number;
  /**
   * The NumPy reference (libs/pipeline/bench/weight_free_numpy.py: the 19 masks and their s_G, vectorised) at the
   * same size, run in the same process tree just before our weightFreeProposalsMs; null when python3 + NumPy are
   * missing. `weightFreeSpeedup` = NumPy ÷ ours (CPU time).
   */
  numpyWeightFreeMs: number | null;
  numpyWeightFreeCpuMs: number | null;
  weightFreeSpeedup: number | null;
  rleEncodeMs: number;
  positionalBiasMs: number;
  /** the same medians in CPU time (user + system) of this process: steadier than wall time on a busy machine */
  cpuMs: Record<string, number>;
  /** the minimum CPU time of the same runs (inputPrepMs: the sum of the three minima) */
  cpuMinMs: Record<string, number>;
  /** what the AMG bench fed and what survived each stage (per run) */
  amg: { points: number; decoded: number; passedIou: number; passedStability: number; kept: number };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** CPU times by figure name (median and minimum of the timed runs), filled by time() and timeAsync() */
interface CpuFigures {
  readonly ms: Record<string, number>;
  readonly minMs: Record<string, number>;
}
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Runs `g` outside the figure being taken (a model's share of the work, e.g. the decoder writing its output). */
type Untimed = (g: () => void) => void;

/**
 * Median wall time of `runs` calls after one warm-up; the CPU-time median goes to `cpu[name]`. What a call runs
 * through `untimed` is not counted.
 */
function time(cpu: CpuFigures, name: string, runs: number, f: (untimed: Untimed) => unknown): number {
  let skipWall = 0;
  let skipCpu = 0;
  const untimed: Untimed = (g) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    g();
    skipWall += performance.now() - t0;
    const d = process.cpuUsage(c0);
    skipCpu += (d.user + d.system) / 1000;
  };
  f(untimed); // warm-up (JIT)
  const t: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < runs; i++) {
    skipWall = 0;
    skipCpu = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f(untimed);
    t.push(performance.now() - t0 - skipWall);
    const d = process.cpuUsage(c0);
    c.push((d.user + d.system) / 1000 - skipCpu);
  }
  cpu.ms[name] = round3(median(c));
  cpu.minMs[name] = round3(Math.min(...c));
  return round3(median(t));
}

/** A random smooth map in [0, 1]: Gaussian noise on a 16×16 grid, bilinearly upsampled, min-max normalised. */
export function randomSmoothMap(size: number, seed: number): Float32Array {
  const map = resizeBilinear(gaussianNoise(16 * 16, seed), 1, 16, 16, size, size);
  minMaxNormalize(map);
  return map;
}

/**
 * Synthetic SAM decoder output for "typical survivors": a seeded scene of 48 elliptical objects (radii 3–25% of the
 * side); for each grid point the 3 masks are the 3 objects whose centres are nearest the point, radii jittered ±3%,
 * logits clamp(k·r·(1 − d), −30, 30) with d the normalised elliptical distance, r the mean radius in low-res pixels
 * and k ∈ [1, 20] logits per low-res pixel at the edge (soft to sharp edges). iou predictions uniform in
 * [0.75, 1.0] (≈ half pass 0.88). Many points see the same objects, so NMS collapses them, as with real images.
 */
export function syntheticSamBatch(points: number, firstPoint: number, lowRes: number, seed: number, gridSide = 32): SamDecodeResult {
  const scene = createUniformRng(7);
  const objects = Array.from({ length: 48 }, () => ({
    cx: scene() * lowRes,
    cy: scene() * lowRes,
    rx: lowRes * (0.03 + 0.22 * scene()),
    ry: lowRes * (0.03 + 0.22 * scene()),
  }));
  const rnd = createUniformRng(seed);
  const plane = lowRes * lowRes;
  const lowResLogits = new Float32Array(points * 3 * plane);
  const iouScores = new Float32Array(points * 3);
  for (let p = 0; p < points; p++) {
    const g = firstPoint + p;
    const px = ((g % gridSide) + 0.5) * (lowRes / gridSide);
    const py = (Math.floor(g / gridSide) + 0.5) * (lowRes / gridSide);
    const nearest = [...objects].sort((a, b) => Math.hypot(a.cx - px, a.cy - py) - Math.hypot(b.cx - px, b.cy - py));
    for (let m = 0; m < 3; m++) {
      const obj = nearest[m];
      const rx = obj.rx * (0.97 + 0.06 * rnd());
      const ry = obj.ry * (0.97 + 0.06 * rnd());
      const k = (1 + 19 * rnd()) * ((rx + ry) / 2);
      const o = (p * 3 + m) * plane;
      for (let y = 0; y < lowRes; y++) {
        const dy = (y - obj.cy) / ry;
        for (let x = 0; x < lowRes; x++) {
          const dx = (x - obj.cx) / rx;
          lowResLogits[o + y * lowRes + x] = Math.max(-30, Math.min(30, k * (1 - Math.sqrt(dx * dx + dy * dy))));
        }
      }
      iouScores[p * 3 + m] = 0.75 + 0.25 * rnd();
    }
  }
  return { iouScores, lowResLogits, points };
}

/** Median wall time of `runs` awaited calls after `warmup` calls; CPU (all threads of the process) to `cpu[name]`. */
async function timeAsync(cpu: CpuFigures, name: string, runs: number, f: () => Promise<unknown>, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const t: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
    const d = process.cpuUsage(c0);
    c.push((d.user + d.system) / 1000);
  }
  cpu.ms[name] = round3(median(c));
  cpu.minMs[name] = round3(Math.min(...c));
  return round3(median(t));
}

/**
 * Warm-up calls per input preparation: V8 optimises the resampling loops and the pool holds its buffers (a worker's
 * steady state; its first image pays ~2,300 page faults more for SAM's fresh 12.6 MB tensor)
 */
const INPUT_WARMUP = 5;

/** A 640×480 test image: smooth colour gradients with a few hard-edged blocks (like a photo's mix of both). */
export function benchImage(width = 640, height = 480): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const rnd = createUniformRng(3);
  const blocks = Array.from({ length: 12 }, () => ({ x: rnd() * width, y: rnd() * height, w: 20 + rnd() * 150, h: 20 + rnd() * 150, c: [rnd() * 255, rnd() * 255, rnd() * 255] }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = 128 + 100 * Math.sin(x / 37 + y / 53);
      for (const b of blocks) if (x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h) data.set(b.c, i);
    }
  }
  return { width, height, data };
}

function numpyWeightFree(size: number, runs: number): { ms: number; cpuMs: number } | null {
  const script = fileURLToPath(new URL('../../bench/weight_free_numpy.py', import.meta.url));
  if (!existsSync(script)) return null;
  try {
    const out = execFileSync('python3', [script, '--size', String(size), '--runs', String(runs)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const r = JSON.parse(out) as { numpyWeightFreeProposalsMs: number; numpyWeightFreeProposalsCpuMs: number };
    return { ms: r.numpyWeightFreeProposalsMs, cpuMs: r.numpyWeightFreeProposalsCpuMs };
  } catch {
    return null;
  }
}

export async function runPipelineBench(options: { size?: number; runs?: number; thresholdMode?: ThresholdMode } = {}): Promise<PipelineBenchResult> {
  const size = options.size ?? 1024;
  const runs = Math.max(1, options.runs ?? 20);
  const map = randomSmoothMap(size, 1);
  const cpu: CpuFigures = { ms: {}, minMs: {} };

  const numpy = numpyWeightFree(size, runs);

  // steady state, as in a worker that serves many expressions: V8 optimises the function as a whole only after a few
  // calls (before that the level loop runs on-stack-replaced code, about half as fast); NumPy has no JIT to warm
  for (let i = 0; i < 10; i++) {
    weightFreeProposals(map, size, size, { mode: 'value' });
    weightFreeProposals(map, size, size, { mode: 'quantile' });
  }
  const weightFreeProposalsMs = time(cpu, 'weightFreeProposalsMs', runs, () => weightFreeProposals(map, size, size, { mode: 'value' }));
  const weightFreeQuantileMs = time(cpu, 'weightFreeQuantileMs', runs, () => weightFreeProposals(map, size, size, { mode: 'quantile' }));

  const geometry = samGeometry(size, size);
  const perBatch = 64;
  const batches: SamDecodeResult[] = [];
  for (let b = 0; b < 1024 / perBatch; b++) batches.push(syntheticSamBatch(perBatch, b * perBatch, geometry.lowResSize, 100 + b));
  let counts = { decoded: 0, passedIou: 0, passedStability: 0, kept: 0 };
  const stabilityAndNmsMs = time(cpu, 'stabilityAndNmsMs', runs, () => {
    const gen = new SamMaskGenerator(geometry);
    batches.forEach((batch, b) => gen.addBatch(batch, b * perBatch));
    gen.finish();
    gen.release();
    counts = { ...gen.counts };
  });

  const samRuns = Math.min(runs, 5);
  const samPost = (w: number, h: number, engine: 'runs' | 'reference', simd = true, copyIn = false) => {
    const g = samGeometry(w, h);
    const name = `samPost${w === 640 ? '' : '1024'}${engine === 'runs' ? '' : 'Reference'}${simd ? '' : 'NoSimd'}${copyIn ? 'CopyIn' : ''}Ms`;
    return time(cpu, name, samRuns, (untimed) => {
      const gen = new SamMaskGenerator(g, {}, { engine, simd });
      batches.forEach((batch, b) => {
        // as the engine feeds it (image-state.ts): the decoder writes into the buffer the generator lends, when it lends one
        const into = copyIn ? null : gen.lendLowResLogits(batch.points);
        if (!into) return gen.addBatch(batch, b * perBatch);
        untimed(() => into.set(batch.lowResLogits)); // the decoder's work, not post-processing's
        gen.addBatch({ ...batch, lowResLogits: into }, b * perBatch);
        gen.giveBack(into);
      });
      for (const k of gen.finish()) gen.mask(k);
      gen.release(); // as SamPostJob does: the next generator reuses the windows' memory
    });
  };
  const samPostMs = samPost(640, 480, 'runs');
  const samPostCopyInMs = samPost(640, 480, 'runs', true, true);
  const samPostNoSimdMs = samPost(640, 480, 'runs', false);
  const samPostReferenceMs = samPost(640, 480, 'reference');
  const samPost1024Ms = samPost(1024, 1024, 'runs');
  const samPost1024ReferenceMs = samPost(1024, 1024, 'reference');

  const upscaler = new SamMaskUpscaler(geometry);
  const low = batches[0].lowResLogits.subarray(0, geometry.lowResSize ** 2);
  const upscaleMs = time(cpu, 'upscaleMs', runs, () => upscaler.logits(low));

  const image = benchImage();
  const buffers = new InputBufferPool();
  const sdInput = async (side: number) => (await prepareSdInput(image, side, { buffers })).release();
  const sdInput512Ms = await timeAsync(cpu, 'sdInput512Ms', runs, () => sdInput(512), INPUT_WARMUP);
  const sdInput1024Ms = await timeAsync(cpu, 'sdInput1024Ms', runs, () => sdInput(1024), INPUT_WARMUP);
  const samInputMs = await timeAsync(
    cpu,
    'samInputMs',
    runs,
    async () => (await prepareSamInput(image, { inputSize: 1024, buffers })).release(),
    INPUT_WARMUP,
  );
  // clipSquareInput without a model pack: the square is lent, the pixels are kept (the engine caches them)
  const clipInputMs = await timeAsync(
    cpu,
    'clipInputMs',
    runs,
    async () => {
      const square = padToSquare(image, buffers);
      try {
        return toClipPixels(await resizeImage(square.image, 224, 224, 'cubic'), CLIP_MEAN, CLIP_STD);
      } finally {
        square.release();
      }
    },
    INPUT_WARMUP,
  );

  const inputPrepMs = round3(sdInput512Ms + samInputMs + clipInputMs);
  cpu.ms.inputPrepMs = round3(cpu.ms.sdInput512Ms + cpu.ms.samInputMs + cpu.ms.clipInputMs);
  cpu.minMs.inputPrepMs = round3(cpu.minMs.sdInput512Ms + cpu.minMs.samInputMs + cpu.minMs.clipInputMs);
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const decodeJpegMs = await timeAsync(cpu, 'decodeJpegMs', runs, () => decodeImage(jpeg));

  const mask = new Uint8Array(size * size);
  for (let i = 0; i < mask.length; i++) mask[i] = map[i] > 0.5 ? 1 : 0;
  const rleEncodeMs = time(cpu, 'rleEncodeMs', runs, () => encodeRle(mask, size, size));

  const positionalBiasMs = time(cpu, 'positionalBiasMs', runs, () => positionalBias(['top', 'left'], size, size, 'ramp'));

  return {
    size,
    runs,
    weightFreeProposalsMs,
    weightFreeQuantileMs,
    stabilityAndNmsMs,
    samPostMs,
    samPostCopyInMs,
    samPostNoSimdMs,
    samPost1024Ms,
    samPostReferenceMs,
    samPost1024ReferenceMs,
    upscaleMs,
    sdInput512Ms,
    sdInput1024Ms,
    samInputMs,
    clipInputMs,
    inputPrepMs,
    decodeJpegMs,
    numpyWeightFreeMs: numpy?.ms ?? null,
    numpyWeightFreeCpuMs: numpy?.cpuMs ?? null,
    weightFreeSpeedup: numpy ? Math.round((numpy.cpuMs / Math.max(1e-3, cpu.ms.weightFreeProposalsMs)) * 100) / 100 : null,
    rleEncodeMs,
    positionalBiasMs,
    cpuMs: { ...cpu.ms },
    cpuMinMs: { ...cpu.minMs },
    amg: { points: 1024, ...counts },
  };
}
