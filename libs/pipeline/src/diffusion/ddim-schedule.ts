import { assertLength, assertPositiveInt, assertRange, PipelineError } from '../errors/pipeline.errors';

/** SD 1.5 "scaled_linear" betas: linspace(√β0, √β1, n)² and ᾱ_t = Π_{s≤t}(1 − β_s), t = 0..n−1 (float64). */
export function alphasCumprod(betaStart = 0.00085, betaEnd = 0.012, trainTimesteps = 1000): Float64Array {
  assertPositiveInt('train timesteps', trainTimesteps);
  if (!(betaStart > 0 && betaEnd >= betaStart && betaEnd < 1)) {
    throw new PipelineError('INVALID_VALUE', `betas must satisfy 0 < start ≤ end < 1, got ${betaStart}, ${betaEnd}`);
  }
  const a = Math.sqrt(betaStart);
  const b = Math.sqrt(betaEnd);
  const out = new Float64Array(trainTimesteps);
  let prod = 1;
  for (let t = 0; t < trainTimesteps; t++) {
    const s = trainTimesteps === 1 ? a : a + ((b - a) * t) / (trainTimesteps - 1);
    prod *= 1 - s * s;
    out[t] = prod;
  }
  return out;
}

/**
 * DDIM timesteps with SD's "leading" spacing and steps_offset 1, ascending: [1, 51, 101, …, 951] for 20 of 1000.
 */
export function ddimTimesteps(steps: number, trainTimesteps = 1000, stepsOffset = 1): Int32Array {
  assertPositiveInt('DDIM steps', steps);
  if (steps > trainTimesteps) throw new PipelineError('INVALID_VALUE', `DDIM steps ${steps} exceed train timesteps ${trainTimesteps}`);
  const ratio = Math.floor(trainTimesteps / steps);
  return Int32Array.from({ length: steps }, (_, i) => i * ratio + stepsOffset);
}

/**
 * The reference's img2img plan (ldm DDIMSampler stochastic_encode + decode): t_enc = ⌊strength·steps⌋, noise the
 * latent to ᾱ of timesteps[t_enc], then denoise through timesteps[t_enc − 1], …, timesteps[0]. For 20 steps and
 * strength 0.1: noise at t = 101, UNet at 51 then 1.
 */
export function img2imgPlan(steps: number, strength: number, trainTimesteps = 1000): { noiseTimestep: number; unetTimesteps: number[] } {
  assertRange('strength', strength, 0, 1);
  const ts = ddimTimesteps(steps, trainTimesteps);
  const tEnc = Math.floor(strength * steps);
  if (tEnc < 1 || tEnc >= steps) {
    throw new PipelineError('INVALID_VALUE', `strength ${strength} × steps ${steps} gives t_enc ${tEnc}; need 1 ≤ t_enc < steps`);
  }
  const unetTimesteps: number[] = [];
  for (let i = tEnc - 1; i >= 0; i--) unetTimesteps.push(ts[i]);
  return { noiseTimestep: ts[tEnc], unetTimesteps };
}

/** z_t = √ᾱ·z0 + √(1 − ᾱ)·ε */
export function addNoise(z0: Float32Array, noise: Float32Array, alphaBar: number): Float32Array {
  assertLength('noise', noise.length, z0.length, `same as the latent (${z0.length})`);
  assertRange('alphaBar', alphaBar, 0, 1);
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(z0.length);
  for (let i = 0; i < z0.length; i++) out[i] = a * z0[i] + b * noise[i];
  return out;
}

/** DDIM (η = 0): x̂0 = (x_t − √(1−ᾱ_t)·ε)/√ᾱ_t; x_prev = √ᾱ_prev·x̂0 + √(1−ᾱ_prev)·ε. */
export function ddimStep(xt: Float32Array, eps: Float32Array, alphaT: number, alphaPrev: number): Float32Array {
  assertLength('noise prediction', eps.length, xt.length, `same as the sample (${xt.length})`);
  assertRange('alphaT', alphaT, Number.MIN_VALUE, 1);
  assertRange('alphaPrev', alphaPrev, 0, 1);
  const sa = Math.sqrt(alphaT);
  const sb = Math.sqrt(1 - alphaT);
  const pa = Math.sqrt(alphaPrev);
  const pb = Math.sqrt(1 - alphaPrev);
  const out = new Float32Array(xt.length);
  for (let i = 0; i < xt.length; i++) {
    const x0 = (xt[i] - sb * eps[i]) / sa;
    out[i] = pa * x0 + pb * eps[i];
  }
  return out;
}

/**
 * ddimStep(xt, cond ? cfgCombine(eps, cond, scale) : eps, alphaT, alphaPrev) written into `out` in one pass, without
 * the guided ε or the result as new arrays: the same float32 roundings (ε is rounded to float32 as cfgCombine stores
 * it), so the same bits. `out` may be `xt` itself (each element reads only its own xt, ε). `eps` is ε_u when `cond`
 * is given, else the (conditional) prediction itself.
 */
export function guidedDdimStepInto(
  xt: Float32Array,
  eps: Float32Array,
  cond: Float32Array | null,
  scale: number,
  alphaT: number,
  alphaPrev: number,
  out: Float32Array,
): Float32Array {
  assertLength('noise prediction', eps.length, xt.length, `same as the sample (${xt.length})`);
  if (cond) assertLength('cond prediction', cond.length, eps.length, `same as uncond (${eps.length})`);
  assertLength('out', out.length, xt.length, `same as the sample (${xt.length})`);
  assertRange('alphaT', alphaT, Number.MIN_VALUE, 1);
  assertRange('alphaPrev', alphaPrev, 0, 1);
  const sa = Math.sqrt(alphaT);
  const sb = Math.sqrt(1 - alphaT);
  const pa = Math.sqrt(alphaPrev);
  const pb = Math.sqrt(1 - alphaPrev);
  if (cond) {
    for (let i = 0; i < xt.length; i++) {
      const u = eps[i];
      const e = Math.fround(u + scale * (cond[i] - u));
      out[i] = pa * ((xt[i] - sb * e) / sa) + pb * e;
    }
  } else {
    for (let i = 0; i < xt.length; i++) {
      const e = eps[i];
      out[i] = pa * ((xt[i] - sb * e) / sa) + pb * e;
    }
  }
  return out;
}

/** Classifier-free guidance: ε = ε_u + s·(ε_c − ε_u). */
export function cfgCombine(uncond: Float32Array, cond: Float32Array, scale: number): Float32Array {
  assertLength('cond prediction', cond.length, uncond.length, `same as uncond (${uncond.length})`);
  const out = new Float32Array(uncond.length);
  for (let i = 0; i < uncond.length; i++) out[i] = uncond[i] + scale * (cond[i] - uncond[i]);
  return out;
}
