import { clipFixtureTokenizerJson } from '@refdiff/nlp/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createRefDiff } from '../segment/ref-diff';
import type { ExpressionResult } from '../segment/segment.types';
import { createToyModels } from '../segment/testing/toy-models';
import { A100_PROFILE, recordModels, replayModels, SimulatedDevice, type DeviceProfile } from './replay-models';

// No timing is asserted: only what the device counts as busy (simulated milliseconds), and replayed results.
const W = 48;
const H = 40;

async function scenePng(): Promise<Uint8Array> {
  const rgb = new Uint8Array(W * H * 3).fill(128);
  for (let y = 8; y < 24; y++) for (let x = 6; x < 20; x++) rgb.set([255, 0, 0], (y * W + x) * 3);
  for (let y = 20; y < 36; y++) for (let x = 28; x < 44; x++) rgb.set([0, 0, 255], (y * W + x) * 3);
  return new Uint8Array(await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
}

const fast: DeviceProfile = { name: 'test', source: 'test', latencyMs: (c) => (c.role === 'samEncoder' ? 3 : 1) };

describe('SimulatedDevice', () => {
  it('serves calls one at a time in arrival order: busy time is the sum of latencies, never overlapping', async () => {
    const d = new SimulatedDevice(fast);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => d.run({ role: i === 0 ? 'samEncoder' : 'unet', batch: 1 }).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(d.busyMs()).toBeCloseTo(6, 9);
    expect(d.calls).toEqual({ samEncoder: 1, unet: 3 });
    expect(d.utilisation()).toBeGreaterThan(0);
    expect(d.utilisation()).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('refuses a call whose signal is already aborted', async () => {
    const d = new SimulatedDevice(fast);
    const ac = new AbortController();
    ac.abort();
    await expect(d.run({ role: 'unet', batch: 1 }, ac.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('the A100 profile has a latency for every role, scaling with batch and size', () => {
    const roles = ['sdText', 'vae', 'unet', 'clipText', 'clipImage', 'clipRegions', 'samEncoder', 'samDecoder'] as const;
    for (const role of roles) expect(A100_PROFILE.latencyMs({ role, batch: 1, size: 512 })).toBeGreaterThan(0);
    expect(A100_PROFILE.latencyMs({ role: 'unet', batch: 4, size: 1024 })).toBeGreaterThan(A100_PROFILE.latencyMs({ role: 'unet', batch: 2, size: 512 }));
    expect(A100_PROFILE.latencyMs({ role: 'samDecoder', batch: 64 })).toBeGreaterThan(A100_PROFILE.latencyMs({ role: 'samDecoder', batch: 1 }));
  });
});

describe('record, then replay', () => {
  it('the replayed engine gives the recorded results, every call held on the device; unrecorded calls fail', async () => {
    const png = await scenePng();
    const toy = createToyModels({ tokenizerJson: clipFixtureTokenizerJson() });
    const rec = recordModels(toy);
    const expressions = ['the red square', 'the blue square on the right'];
    const recorded = await createRefDiff(rec, { imageCacheBytes: 0 }).segment({ image: png }, expressions, { attentionLevel: 1 });
    const device = new SimulatedDevice(fast);
    const replay = replayModels(rec.recording, device);
    const replayed = await createRefDiff(replay, { imageCacheBytes: 0 }).segment({ image: png }, expressions, { attentionLevel: 1 });
    const pick = (r: typeof recorded) =>
      r.results.map((x) => (x.ok ? { chosen: (x as ExpressionResult).chosen, rle: (x as ExpressionResult).mask.rle } : x));
    expect(pick(replayed)).toEqual(pick(recorded));
    expect(replayed.modelCalls).toEqual(recorded.modelCalls);
    const calls = Object.values(replayed.modelCalls).reduce((a, b) => a + b, 0);
    expect(Object.values(device.calls).reduce((a, b) => a + b, 0)).toBe(calls);
    expect(device.busyMs()).toBeGreaterThanOrEqual(calls);
    // a sentence never recorded
    const again = await createRefDiff(replay, { imageCacheBytes: 0 }).segment({ image: png }, ['the green circle'], { attentionLevel: 1 });
    expect(again.results[0]).toMatchObject({ ok: false });
  });
});
