/**
 * Seeded standard-normal noise: a mulberry32 stream (32-bit state, fine for noise, not for cryptography) feeding
 * Box–Muller pairs. Same seed → same numbers on every platform (integer ops plus Math.log/sqrt/cos/sin, which V8
 * computes with its own portable fdlibm port).
 */
export function createUniformRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussianNoise(count: number, seed: number): Float32Array {
  const u = createUniformRng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - u(); // (0, 1]: log never sees 0
    const u2 = u();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
