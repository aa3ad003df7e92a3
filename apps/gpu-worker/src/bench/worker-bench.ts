import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino, type Logger } from 'pino';
import { loadPack } from '@refdiff/models';
import {
  createRefDiff,
  DEVICE_PROFILES,
  encodeOverlayPng,
  recordModels,
  replayModels,
  SimulatedDevice,
  type ModelRecording,
  type RefDiff,
} from '@refdiff/pipeline';
import { syntheticSamples } from '@refdiff/synthetic';
import { createWorkerClient } from '@refdiff/worker-contract';
import { fixturePackDir, MODEL_CALLS_IN_FLIGHT } from '../engine/load-engine';
import { DeviceBusyMeter } from '../server/device-busy';
import { WorkerMetrics } from '../server/worker-metrics';
import { createWorkerServer } from '../server/worker-server';
import { defaultCpuThreads } from '../config/env';
import { CpuThreadPool } from '../threads/cpu-pool';

/**
 * `refdiff bench worker --simulate a100`: a real gRPC worker (createWorkerServer, the real engine) whose models are
 * the replay runtime — the fixture pack's outputs, recorded once for a set of COCO-sized synthetic images, each call
 * held for an A100-like latency on one simulated device. Clients keep 1, 2, 4, 8 images in flight; the figures say
 * how busy the device stays (gpuUtilisation = its busy time ÷ wall time), and what a worker on that GPU would serve.
 */
export interface WorkerBenchOptions {
  readonly simulate: string;
  /** distinct images (each recorded once; the replay cycles through them) */
  readonly images: number;
  /** expressions per request */
  readonly expressions: number;
  readonly concurrency: readonly number[];
  /**
   * CPU pool sizes to measure, each at every concurrency: 0 = SAM post-processing inline on the event loop, n > 0 =
   * on n worker threads (REFDIFF_WORKER_CPU_THREADS). Default: 0 and the worker's default (at least 1).
   */
  readonly cpuThreads?: readonly number[];
  /** requests per concurrency level (default 4 × level + 4) */
  readonly requests?: number;
  readonly cacheDir: string;
  readonly seed?: number;
  readonly logger?: Logger;
}

export interface WorkerBenchLevel {
  concurrency: number;
  /** the CPU pool's threads (0 = inline) */
  cpuThreads: number;
  requests: number;
  wallMs: number;
  gpuUtilisation: number;
  /** the worker's own refdiff_worker_device_busy_ratio over the level (model calls in flight ÷ wall) */
  metricsDeviceBusyRatio: number;
  /** process CPU time (all threads) ÷ wall time */
  cpuUtilisation: number;
  imagesPerSecond: number;
  expressionsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
}

export interface WorkerBenchResult {
  simulate: string;
  profile: string;
  images: { count: number; sizes: string[]; expressionsPerRequest: number };
  /** simulated device milliseconds per request (the floor of latency at concurrency 1) */
  deviceMsPerRequest: number;
  /**
   * medians of one request's CPU-only stages at concurrency 1 (the engine's timings of stages holding no model call:
   * wall time, so CPU time only when the process has a core to itself)
   */
  stageCpuMs: Record<string, number>;
  /**
   * extra process CPU (process.cpuUsage: all threads, no simulated device time) per additional expression on a cached
   * image: (CPU of K expressions − CPU of 1) ÷ (K − 1), median over 5 rounds × images (after a warm-up round; a full
   * GC before each measured call); issue 17's target is ≤ 10 ms
   */
  extraCpuPerExpressionMs: number;
  /** every round's figure, for the spread */
  extraCpuPerExpressionRoundsMs: number[];
  /** the same difference in simulated device time (what the additional expression asks of the GPU) */
  extraDeviceMsPerExpression: number;
  levels: WorkerBenchLevel[];
  loadAverage: number[];
}

/** measured rounds of the per-request stages and of the extra CPU per expression (each over every image) */
const EXTRA_ROUNDS = 5;

const CPU_STAGES = ['decodeMs', 'sdPreprocessMs', 'samPreprocessMs', 'clipPreprocessMs', 'samPostMs'];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export interface BenchImage {
  png: Uint8Array;
  width: number;
  height: number;
  rgb: Uint8Array;
  expressions: string[];
}

/** COCO-sized crowded synthetic scenes, `expressions` texts each (cycled), and one spare text from another scene. */
/** The bench's images, each with its PNG (the overlay of an empty mask is the image itself), and a spare text from another scene. */
export async function benchImages(count: number, expressions: number, seed: number): Promise<{ images: BenchImage[]; spare: string }> {
  const byScene = new Map<number, { width: number; height: number; rgb: Uint8Array; texts: string[] }>();
  let spare = '';
  for (const s of syntheticSamples({ seed, count: count * 40, crowded: true })) {
    let entry = byScene.get(s.scene.seed);
    if (!entry) {
      if (byScene.size >= count) {
        spare ||= s.expression.text;
        continue;
      }
      entry = { width: s.scene.width, height: s.scene.height, rgb: s.scene.image, texts: [] };
      byScene.set(s.scene.seed, entry);
    }
    if (!entry.texts.includes(s.expression.text)) entry.texts.push(s.expression.text);
  }
  const images = [...byScene.values()].map((e) => ({
    png: new Uint8Array(),
    width: e.width,
    height: e.height,
    rgb: e.rgb,
    expressions: Array.from({ length: expressions }, (_, i) => e.texts[i % e.texts.length]),
  }));
  for (const im of images) im.png = new Uint8Array(await encodeOverlayPng({ width: im.width, height: im.height, data: im.rgb }, new Uint8Array(im.width * im.height)));
  return { images, spare: spare || 'the red square' };
}

/**
 * The calls the cached-image measurement makes, for the recorder: on an engine that has seen the image (a warm-up
 * sentence), one expression, then — on another such engine — all of them.
 */
export async function recordCachedImageCalls(recorder: Parameters<typeof createRefDiff>[0], im: BenchImage, spare: string): Promise<void> {
  const cached = createRefDiff(recorder, { imageCacheBytes: 1 << 30 });
  await cached.segment({ image: im.png }, [spare]);
  await cached.segment({ image: im.png }, im.expressions.slice(0, 1));
  const again = createRefDiff(recorder, { imageCacheBytes: 1 << 30 });
  await again.segment({ image: im.png }, [spare]);
  await again.segment({ image: im.png }, im.expressions);
}

/**
 * A full garbage collection, so the call measured next pays for its own garbage only, not for what earlier calls
 * left behind (a mark-compact landing in one of the two calls whose difference is taken moved a round by ±30 ms).
 */
let gc: (() => void) | undefined;
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

async function cpuOf<T>(f: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  collectGarbage();
  const c0 = process.cpuUsage();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, cpuMs: (c.user + c.system) / 1000 };
}

export async function runWorkerBench(options: WorkerBenchOptions): Promise<WorkerBenchResult> {
  const profile = DEVICE_PROFILES[options.simulate];
  if (!profile) throw new Error(`--simulate must be one of ${Object.keys(DEVICE_PROFILES).join(', ')}, got '${options.simulate}'`);
  const log = options.logger ?? pino({ level: 'silent' });
  const { images, spare } = await benchImages(options.images, options.expressions, options.seed ?? 2024);

  // 1. record: the fixture pack on onnxruntime, every call the bench will make
  const packDir = await fixturePackDir(options.cacheDir, log);
  const models = await loadPack(packDir, { executionProvider: 'cpu', threads: 2, logger: log.child({ component: 'models' }) });
  const recorder = recordModels(models);
  const recordingEngine = createRefDiff(recorder, { imageCacheBytes: 0 });
  for (const im of images) {
    log.info({ width: im.width, height: im.height }, 'recording');
    await recordingEngine.segment({ image: im.png }, im.expressions);
    await recordCachedImageCalls(recorder, im, spare);
  }
  const recording: ModelRecording = recorder.recording;
  await models.dispose();

  // 2. per-stage CPU and device time of one request, and the extra CPU per expression on a cached image
  const stageRuns: Record<string, number[]> = {};
  const deviceMs: number[] = [];
  const extra: number[] = [];
  const extraDevice: number[] = [];
  // round 0 warms the JIT up (every stage's code optimised, as in a serving worker) and is not counted
  for (let round = 0; round <= EXTRA_ROUNDS; round++) {
    for (const im of images) {
      const device = new SimulatedDevice(profile);
      const engine = createRefDiff(replayModels(recording, device), { imageCacheBytes: 0 });
      const r = await engine.segment({ image: im.png }, im.expressions);
      if (round > 0) {
        deviceMs.push(device.busyMs());
        for (const k of CPU_STAGES) (stageRuns[k] ??= []).push(r.timingsMs[k] ?? 0);
      }
      if (im.expressions.length > 1) {
        const d1 = new SimulatedDevice(profile);
        const one = createRefDiff(replayModels(recording, d1), { imageCacheBytes: 1 << 30 });
        await one.segment({ image: im.png }, [spare]);
        const b1 = d1.busyMs();
        const c1 = await cpuOf(() => one.segment({ image: im.png }, im.expressions.slice(0, 1)));
        const dK = new SimulatedDevice(profile);
        const all = createRefDiff(replayModels(recording, dK), { imageCacheBytes: 1 << 30 });
        await all.segment({ image: im.png }, [spare]);
        const bK = dK.busyMs();
        const cK = await cpuOf(() => all.segment({ image: im.png }, im.expressions));
        if (round === 0) continue;
        extra.push((cK.cpuMs - c1.cpuMs) / (im.expressions.length - 1));
        extraDevice.push((dK.busyMs() - bK - (d1.busyMs() - b1)) / (im.expressions.length - 1));
      }
    }
  }
  const stageCpuMs = Object.fromEntries(Object.entries(stageRuns).map(([k, v]) => [k, round(quantile(v, 0.5))]));

  // 3. a real gRPC worker on the replay, at each CPU pool size and concurrency
  const levels: WorkerBenchLevel[] = [];
  for (const threads of options.cpuThreads ?? [0, Math.max(1, defaultCpuThreads())]) {
    const pool = threads > 0 ? new CpuThreadPool({ threads }) : undefined;
    try {
      for (const c of options.concurrency) {
        const device = new SimulatedDevice(profile);
        const meter = new DeviceBusyMeter();
        const metrics = new WorkerMetrics();
        metrics.bindDevice(meter);
        const engine: RefDiff = createRefDiff(meter.wrap(replayModels(recording, device)), {
          imageCacheBytes: 0,
          maxImageBytes: 32 << 20,
          modelCallsInFlight: MODEL_CALLS_IN_FLIGHT,
          ...(pool ? { samPostProcessor: pool } : {}),
        });
        const server = createWorkerServer({
          metrics,
          engine,
          logger: log.child({ component: 'bench-worker' }),
          limits: { concurrency: c, maxQueue: 2 * c, maxImageBytes: 32 << 20, maxExpressions: 64 },
          maxMessageBytes: 64 << 20,
          executionProvider: `simulated-${profile.name}`,
          version: 'bench',
        });
        const port = await server.listen('127.0.0.1:0');
        const client = createWorkerClient(`127.0.0.1:${port}`, { maxMessageBytes: 64 << 20 });
        try {
          await server.ready;
          // warm-up: JIT and the gRPC channel
          await client.segment(images[0].png, images[0].expressions, undefined, { hashFirst: false });
          const total = options.requests ?? 4 * c + 4;
          let next = 0;
          const latencies: number[] = [];
          device.startWindow();
          meter.busyRatioSinceLastRead();
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          const lane = async () => {
            while (next < total) {
              const im = images[next++ % images.length];
              const s = performance.now();
              await client.segment(im.png, im.expressions, undefined, { hashFirst: false });
              latencies.push(performance.now() - s);
            }
          };
          await Promise.all(Array.from({ length: c }, lane));
          const wallMs = performance.now() - t0;
          const cpu = process.cpuUsage(cpu0);
          const exprs = images.reduce((a, im) => a + im.expressions.length, 0) / images.length;
          levels.push({
            concurrency: c,
            cpuThreads: threads,
            requests: total,
            wallMs: round(wallMs, 1),
            gpuUtilisation: round(device.utilisation()),
            metricsDeviceBusyRatio: round(meter.busyRatioSinceLastRead()),
            cpuUtilisation: round((cpu.user + cpu.system) / 1000 / wallMs),
            imagesPerSecond: round((total * 1000) / wallMs),
            expressionsPerSecond: round((total * exprs * 1000) / wallMs),
            p50Ms: round(quantile(latencies, 0.5), 1),
            p95Ms: round(quantile(latencies, 0.95), 1),
          });
          log.info(levels[levels.length - 1], 'level done');
        } finally {
          client.close();
          await server.drain(5_000, 0);
        }
      }
    } finally {
      await pool?.close();
    }
  }
  const os = await import('node:os');
  return {
    simulate: options.simulate,
    profile: profile.source,
    images: { count: images.length, sizes: images.map((i) => `${i.width}x${i.height}`), expressionsPerRequest: options.expressions },
    deviceMsPerRequest: round(quantile(deviceMs, 0.5), 1),
    stageCpuMs,
    extraCpuPerExpressionMs: round(quantile(extra, 0.5)),
    extraCpuPerExpressionRoundsMs: extra.map((x) => round(x, 1)),
    extraDeviceMsPerExpression: round(quantile(extraDevice, 0.5)),
    levels,
    loadAverage: os.loadavg().map((x) => round(x, 2)),
  };
}
