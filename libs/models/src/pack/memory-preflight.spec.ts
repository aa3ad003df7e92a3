import { describe, expect, it } from 'vitest';
import { ModelMemoryError } from '../errors';
import { ATTENTION_COPIES, clipRegionPeak, fallbackPeak, largestAttention, parseByteSize, preflight } from './memory-preflight';

const GiB = 1024 ** 3;

describe('memory preflight', () => {
  it('scales the measured attention terms to the requested side: SD 1.5 figures', () => {
    // SD 1.5 UNet: 8 heads of self-attention at latent/1 → 8·(HW)² per item; measured at latent 8
    const unet = { side: 8, bytesPerElement: 4, terms: [{ exponent: 4, elements: 8 * 64 * 64, node: 'attn1' }, { exponent: 2, elements: 8 * 64 * 77, node: 'attn2' }] };
    expect(largestAttention(unet, 64).elements * 4).toBe(8 * 4096 ** 2 * 4); // 512 px: 0.5 GiB per item
    expect(largestAttention(unet, 128).elements * 4).toBe(8 * 16384 ** 2 * 4); // 1024 px: 8 GiB per item
    // the VAE's mid-block attention (one head) at the latent size, measured at 64 px (latent 8)
    const vae = { side: 64, bytesPerElement: 4, terms: [{ exponent: 4, elements: 64 * 64, node: 'mid' }] };
    expect(largestAttention(vae, 512).elements * 4).toBe(4096 ** 2 * 4);
    expect(largestAttention(fallbackPeak('vae', { heads: 1, level: 1, vaeDownsample: 8 }), 512).elements).toBe(4096 ** 2);
    expect(largestAttention(fallbackPeak('unet', { heads: 8, level: 1, vaeDownsample: 8 }), 64).elements).toBe(8 * 4096 ** 2);
    expect(largestAttention(fallbackPeak('unet', { heads: 2, level: 4, vaeDownsample: 8 }), 128).elements).toBe(2 * 1024 ** 2); // no block at latent/1
    expect(largestAttention({ side: 8, bytesPerElement: 4, terms: [] }, 128).elements).toBe(0); // measured: no attention
  });

  it('returns how many items fit, and refuses with RESOURCE_EXHAUSTED and the figures when none does', () => {
    const peak = { side: 1, bytesPerElement: 4, terms: [{ exponent: 4, elements: 8, node: 'attn1' }] };
    const perItem = 8 * 64 ** 4 * 4 * ATTENTION_COPIES; // latent 64
    expect(preflight('unet', peak, 64, 6, { bytes: perItem * 2.5, source: 'test' }, 'x')).toBe(2);
    expect(preflight('unet', undefined, 64, 6, { bytes: 1, source: 'test' }, 'x')).toBe(6);
    const err = (() => {
      try {
        preflight('the UNet', peak, 64, 2, { bytes: 1 * GiB, source: 'the configured limit' }, 'a 64×64 latent');
      } catch (e) {
        return e;
      }
    })() as ModelMemoryError;
    expect(err).toBeInstanceOf(ModelMemoryError);
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
    expect(err.figures).toMatchObject({ neededBytes: perItem, limitBytes: GiB, batch: 1 });
    expect(err.message).toMatch(/the UNet at a 64×64 latent needs about 1\.50 GiB .* more than the 1\.00 GiB allowed by the configured limit/);
    expect(() => preflight('unet', peak, 64, 2, { bytes: perItem * 1.5, source: 'test' }, 'x', 2)).toThrow(/fixes the batch at 2/);
  });

  it('estimates the masked CLIP encoder as heads × T² per sequence: ViT-B/16 figures', () => {
    const vitB16 = clipRegionPeak(12, 4);
    // 640×480: 40 × 30 patches; 10 region tokens in one sequence → T = 1,210: 70 MB per layer
    expect(largestAttention(vitB16, 1210).elements * 4).toBe(12 * 1210 ** 2 * 4);
    // one sequence per region (packs prepared before): 1 + 1,200 tokens each; 2 of 10 fit 2.5 items' memory
    const perItem = 12 * 1201 ** 2 * 4 * ATTENTION_COPIES;
    expect(preflight('clip', vitB16, 1201, 10, { bytes: perItem * 2.5, source: 'test' }, 'x')).toBe(2);
    expect(() => preflight('clip', vitB16, 1201, 10, { bytes: perItem / 2, source: 'test' }, 'x', 1, 'Use a smaller clipMaxSide')).toThrow(
      /Use a smaller clipMaxSide, a machine with more memory/,
    );
  });

  it('parses memory sizes as configured', () => {
    expect(parseByteSize('12G')).toBe(12 * GiB);
    expect(parseByteSize('512MiB')).toBe(512 * 1024 ** 2);
    expect(parseByteSize('1.5g')).toBe(1.5 * GiB);
    expect(parseByteSize('1000')).toBe(1000);
    expect(parseByteSize('off')).toBe(Infinity);
    expect(() => parseByteSize('lots')).toThrow(/not a memory size/);
    expect(() => parseByteSize('0')).toThrow(/positive/);
  });
});
