import { describe, expect, it } from 'vitest';
import { addNoise, alphasCumprod, cfgCombine, ddimStep, ddimTimesteps, img2imgPlan } from './ddim-schedule';
import { gaussianNoise } from './gaussian-rng';

describe('DDPM/DDIM schedule (SD 1.5)', () => {
  it('alphas_cumprod at 1, 51, 101 match method.md §6 to 1e-6', () => {
    const a = alphasCumprod(0.00085, 0.012, 1000);
    expect(a[0]).toBeCloseTo(1 - 0.00085, 12);
    expect(Math.abs(a[1] - 0.998296)).toBeLessThan(1e-6);
    expect(Math.abs(a[51] - 0.950524)).toBeLessThan(1e-6);
    expect(Math.abs(a[101] - 0.892981)).toBeLessThan(1e-6);
  });
  it('timesteps and the reference img2img plan (20 steps, strength 0.1)', () => {
    expect(Array.from(ddimTimesteps(20)).slice(0, 3)).toEqual([1, 51, 101]);
    expect(ddimTimesteps(20)[19]).toBe(951);
    expect(img2imgPlan(20, 0.1)).toEqual({ noiseTimestep: 101, unetTimesteps: [51, 1] });
    expect(() => img2imgPlan(20, 0.01)).toThrow(/t_enc 0/);
  });
  it('noising then a DDIM step to ᾱ_prev = 1 with the true noise recovers z0; CFG combine', () => {
    const z0 = Float32Array.from([0.5, -1, 2]);
    const eps = Float32Array.from([0.1, 0.3, -0.2]);
    const zt = addNoise(z0, eps, 0.892981);
    expect(zt[0]).toBeCloseTo(Math.sqrt(0.892981) * 0.5 + Math.sqrt(1 - 0.892981) * 0.1, 6);
    const back = ddimStep(zt, eps, 0.892981, 1);
    back.forEach((v, i) => expect(v).toBeCloseTo(z0[i], 5));
    expect(Array.from(cfgCombine(Float32Array.from([1, 2]), Float32Array.from([2, 2]), 9))).toEqual([10, 2]);
    expect(() => addNoise(z0, new Float32Array(2), 0.5)).toThrow(/noise has length 2/);
  });
});

describe('seeded Gaussian noise', () => {
  it('is deterministic per seed and different across seeds', () => {
    expect(gaussianNoise(7, 42)).toEqual(gaussianNoise(7, 42));
    expect(gaussianNoise(7, 42)).not.toEqual(gaussianNoise(7, 43));
  });
  it('has mean ≈ 0 and variance ≈ 1 (n = 200,000; 5σ tolerances)', () => {
    const n = 200_000;
    const x = gaussianNoise(n, 1);
    let s = 0;
    let s2 = 0;
    for (const v of x) {
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
});
