import { describe, expect, it } from 'vitest';
import type { RefDiffModels } from '@refdiff/pipeline';
import { DeviceBusyMeter } from './device-busy';
import { WorkerMetrics } from './worker-metrics';

// No timing is asserted beyond ordering: busy time grows only while a model call is in flight.
function fakeModels(): { models: RefDiffModels; release: () => void } {
  const pending: (() => void)[] = [];
  const wait = () => new Promise<never>((resolve) => pending.push(() => resolve(undefined as never)));
  const models = {
    constants: {} as RefDiffModels['constants'],
    encodeSdText: wait,
    encodeVae: wait,
    unet: wait,
    encodeClipText: wait,
    encodeClipImage: wait,
    encodeClipRegions: wait,
    encodeSamImage: wait,
    decodeSamPoints: wait,
    callCounts: () => ({}),
    dispose: () => Promise.resolve(),
  } as unknown as RefDiffModels;
  return { models, release: () => pending.splice(0).forEach((f) => f()) };
}

const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('DeviceBusyMeter', () => {
  it('counts the union of in-flight model calls, not their sum, and nothing while idle', async () => {
    const meter = new DeviceBusyMeter();
    const { models, release } = fakeModels();
    const wrapped = meter.wrap(models);
    spin(5);
    expect(meter.busySeconds()).toBe(0);
    const calls = [wrapped.unet({} as never), wrapped.encodeVae(new Float32Array(1), 1), wrapped.encodeClipText(new Int32Array(1), 1)];
    const t0 = performance.now();
    spin(5);
    release();
    await Promise.all(calls);
    const wall = performance.now() - t0;
    const busy = meter.busySeconds() * 1000;
    expect(busy).toBeGreaterThan(0);
    // three overlapping calls: busy is at most the wall time they spanned (a sum would be about three times it)
    expect(busy).toBeLessThanOrEqual(wall + 1);
    spin(5);
    expect(meter.busySeconds() * 1000).toBe(busy);
    const ratio = meter.busyRatioSinceLastRead();
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(1);
    expect(meter.busyRatioSinceLastRead()).toBe(0);
  });

  it('the worker metrics expose device busy time, its ratio and per-stage CPU seconds', async () => {
    const metrics = new WorkerMetrics();
    metrics.bindDevice({ busySeconds: () => 1.5, busyRatioSinceLastRead: () => 0.75 });
    metrics.observeStages({ samPostMs: 40, sdPreprocessMs: 10, unetMs: 500 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/refdiff_worker_device_busy_seconds_total 1\.5/);
    expect(text).toMatch(/refdiff_worker_device_busy_ratio 0\.75/);
    expect(text).toMatch(/refdiff_worker_stage_cpu_seconds_total\{stage="samPost"\} 0\.04/);
    expect(text).toMatch(/refdiff_worker_stage_cpu_seconds_total\{stage="sdPreprocess"\} 0\.01/);
    // a model stage is latency, not CPU
    expect(text).not.toMatch(/refdiff_worker_stage_cpu_seconds_total\{stage="unet"\}/);
  });
});
