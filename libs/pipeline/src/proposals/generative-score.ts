import { assertLength } from '../errors/pipeline.errors';

/**
 * s_G = mean(c inside M) − mean(c outside M) for arbitrary masks (SAM proposals); c [H, W], each mask [H, W].
 * Empty M → −Infinity (it cannot win); M = the whole image → mean outside taken as 0. (The reference adds 1e-6 to
 * both denominators, giving 0 − mean for an empty mask; we make empty masks lose instead.)
 */
export function generativeScores(c: Float32Array, masks: readonly Uint8Array[]): Float64Array {
  const n = c.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += c[i];
  const out = new Float64Array(masks.length);
  masks.forEach((m, k) => {
    assertLength(`mask ${k}`, m.length, n, `[${n}] like the attention map`);
    let sIn = 0;
    let cIn = 0;
    for (let i = 0; i < n; i++) {
      if (m[i]) {
        sIn += c[i];
        cIn++;
      }
    }
    const cOut = n - cIn;
    out[k] = cIn === 0 ? -Infinity : sIn / cIn - (cOut > 0 ? (total - sIn) / cOut : 0);
  });
  return out;
}
