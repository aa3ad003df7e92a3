import { describe, expect, it } from 'vitest';
import { addNoise, alphasCumprod, cfgCombine, ddimStep, ddimTimesteps, guidedDdimStepInto, img2imgPlan } from './ddim-schedule';
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

describe('guidedDdimStepInto (the engine\'s fused CFG + DDIM step)', () => {
  const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
  const abar = alphasCumprod(0.00085, 0.012, 1000);
  // random latents and predictions, some of them large, tiny, zero or negative zero
  const sample = (n: number, seed: number) => {
    const x = gaussianNoise(n, seed);
    for (let i = 0; i < n; i += 97) x[i] *= 1e4;
    for (let i = 5; i < n; i += 131) x[i] *= 1e-6;
    x[3] = 0;
    x[4] = -0;
    return x;
  };
  it('gives ddimStep(x, cfgCombine(u, c, s)) and ddimStep(x, ε) bit for bit, also in place', () => {
    const n = 4099;
    for (let trial = 0; trial < 12; trial++) {
      const xt = sample(n, 10 + trial);
      const u = sample(n, 100 + trial);
      const c = sample(n, 200 + trial);
      const scale = [9, 1, 7.5, 0, -2.25, 1 / 3][trial % 6];
      const [t, prev] = [[51, 1], [101, 51], [1, 0], [951, 901]][trial % 4];
      const want = ddimStep(xt, cfgCombine(u, c, scale), abar[t], prev === 0 ? 1 : abar[prev]);
      const got = guidedDdimStepInto(xt, u, c, scale, abar[t], prev === 0 ? 1 : abar[prev], new Float32Array(n));
      expect(bits(got)).toEqual(bits(want));
      const plain = ddimStep(xt, c, abar[t], abar[prev]);
      expect(bits(guidedDdimStepInto(xt, c, null, scale, abar[t], abar[prev], new Float32Array(n)))).toEqual(bits(plain));
      const inPlace = Float32Array.from(xt);
      expect(guidedDdimStepInto(inPlace, u, c, scale, abar[t], prev === 0 ? 1 : abar[prev], inPlace)).toBe(inPlace);
      expect(bits(inPlace)).toEqual(bits(want));
    }
    expect(() => guidedDdimStepInto(new Float32Array(3), new Float32Array(3), new Float32Array(2), 9, 0.9, 0.95, new Float32Array(3))).toThrow(/cond prediction/);
    expect(() => guidedDdimStepInto(new Float32Array(3), new Float32Array(3), null, 9, 0.9, 0.95, new Float32Array(2))).toThrow(/out/);
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
