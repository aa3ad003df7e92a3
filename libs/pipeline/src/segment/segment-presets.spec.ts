import { describe, expect, it } from 'vitest';
import type { ModelPackConstants } from '../ports/ref-diff-models';
import { resolveSettings } from './segment-presets';

function constants(clip: Partial<ModelPackConstants['clip']> = {}): ModelPackConstants {
  return {
    packName: 'p',
    packChecksum: 'c',
    tokenizer: { json: '{}', contextLength: 77, startId: 49406, endId: 49407, padId: 49407 },
    sd: { imageSize: 512, vaeDownsample: 8, latentChannels: 4, latentScale: 0.18215, betaStart: 0.00085, betaEnd: 0.012, trainTimesteps: 1000, textHiddenSize: 768, attentionLayers: [] },
    clip: { imageSize: 224, patchSize: 16, mean: [0, 0, 0], std: [1, 1, 1], embedDim: 512, dynamicImageSize: true, layers: 12, ...clip },
    sam: { inputSize: 1024, lowResSize: 256, mean: [0, 0, 0], std: [1, 1, 1], predIouThresh: 0.88, stabilityScoreThresh: 0.95, stabilityScoreOffset: 1, boxNmsThresh: 0.7, maskThreshold: 0, pointsPerSide: 32, pointsPerBatch: 64 },
  };
}

describe('resolveSettings: CLIP resolution and masked layer', () => {
  it('both presets run CLIP at full resolution on a dynamic-size pack; paper reads layer 2, reference the last', () => {
    expect(resolveSettings({ preset: 'reference' }, constants())).toMatchObject({ clipResolution: 'full', clipMaxSide: 1024, maskedLayer: -1 });
    expect(resolveSettings({ preset: 'paper' }, constants())).toMatchObject({ clipResolution: 'full', maskedLayer: 2 });
  });

  it('falls back to the fixed square and the last layer on packs that cannot do better, and refuses explicit requests', () => {
    const old = constants({ dynamicImageSize: false, layers: undefined });
    expect(resolveSettings({ preset: 'paper' }, old)).toMatchObject({ clipResolution: 'fixed', maskedLayer: -1 });
    expect(() => resolveSettings({ clipResolution: 'full' }, old)).toThrow(/dynamicImageSize/);
    expect(() => resolveSettings({ maskedLayer: 2 }, old)).toThrow(/maskedLayer/);
    expect(resolveSettings({ clipResolution: 'fixed' }, constants())).toMatchObject({ clipResolution: 'fixed' });
  });

  it('validates every new setting', () => {
    const c = constants();
    expect(() => resolveSettings({ clipResolution: '224' as never }, c)).toThrow(/clipResolution/);
    for (const bad of [0, 13, -13, 1.5, NaN]) expect(() => resolveSettings({ maskedLayer: bad }, c)).toThrow(/maskedLayer/);
    for (const ok of [1, 12, -1, -12]) expect(resolveSettings({ maskedLayer: ok }, c).maskedLayer).toBe(ok);
    for (const bad of [100, 5000, 300.5]) expect(() => resolveSettings({ clipMaxSide: bad }, c)).toThrow(/clipMaxSide/);
    expect(resolveSettings({ clipMaxSide: 640 }, c).clipMaxSide).toBe(640);
  });
});
