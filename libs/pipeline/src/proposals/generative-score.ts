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

/**
 * A mask's runs of 1s in row-major order: [start, end) pairs of flat indices. Computed once per image for SAM's
 * proposals, so each expression's s_G reads only the pixels inside the masks.
 */
export function maskRuns(mask: Uint8Array): Int32Array {
  const runs: number[] = [];
  const n = mask.length;
  let i = 0;
  while (i < n) {
    while (i < n && mask[i] === 0) i++;
    if (i >= n) break;
    const a = i;
    while (i < n && mask[i] !== 0) i++;
    runs.push(a, i);
  }
  return Int32Array.from(runs);
}

/**
 * generativeScores from masks given as runs (maskRuns): the same sums in the same order (inside: row-major over the
 * mask's pixels; outside: total − inside), so the scores are bit-identical — at a cost of the masks' areas instead of
 * one full pass per mask. `total`: Σ c[i] in index order when the caller already has it (attentionToImageWithTotal).
 */
export function generativeScoresFromRuns(c: Float32Array, runs: readonly Int32Array[], total?: number): Float64Array {
  const n = c.length;
  if (total === undefined) {
    total = 0;
    for (let i = 0; i < n; i++) total += c[i];
  }
  const out = new Float64Array(runs.length);
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k];
    let sIn = 0;
    let cIn = 0;
    for (let j = 0; j < r.length; j += 2) {
      const b = r[j + 1];
      if (r[j] < 0 || b > n || r[j] > b) assertLength(`mask ${k} runs`, b, n, `runs within [0, ${n})`);
      for (let i = r[j]; i < b; i++) sIn += c[i];
      cIn += b - r[j];
    }
    const cOut = n - cIn;
    out[k] = cIn === 0 ? -Infinity : sIn / cIn - (cOut > 0 ? (total - sIn) / cOut : 0);
  }
  return out;
}
