import { assertImageSize, assertLength, PipelineError } from '../errors/pipeline.errors';

/**
 * Weight-free proposals (paper §2.3): M_k = { c ≥ μ_k } for μ levels 5%, 10%, …, 95%, and their generative scores
 * s_G = mean(c in M) − mean(c outside M).
 *
 * μ as a `value`: μ_k = level_k itself (c is min-max normalised to [0,1], so 0.05…0.95 are values of c) — the paper's
 * reading. μ as a `quantile`: μ_k = the level_k quantile of c (numpy's default, linear interpolation between order
 * statistics), so M_k covers about (1 − level_k) of the image whatever the map's histogram — robust when the
 * attention is peaky. Both are nested: M_1 ⊇ M_2 ⊇ … ⊇ M_19.
 *
 * Degenerate cases: an empty M_k (no pixel ≥ μ_k) scores −Infinity (it cannot be chosen); an M_k covering the whole
 * image has mean outside taken as 0.
 *
 * Speed: no 19 passes and no sort. One "level" pass finds, per pixel, how many thresholds it reaches, writes the nested
 * masks as one level map and accumulates count and sum per level — 20 accumulators give all 19 scores by suffix sums.
 * It follows runs of equal level (an attention map is smooth: two comparisons a pixel inside a run, one more for a
 * step to a neighbouring level, a 4,096-bucket lookup only for larger jumps), with the sums in the same order as a
 * per-pixel lookup would add them, so the bits are those of that simpler loop (weight-free-exact.spec.ts).
 * Quantile mode adds a min/max pass, a count histogram and one gather pass to find the order statistics.
 */
export type ThresholdMode = 'value' | 'quantile';

/** 0.05, 0.10, …, 0.95 computed as k/20 (so 0.15 is 3/20, not 0.05·3). */
export const WEIGHT_FREE_LEVELS: readonly number[] = Array.from({ length: 19 }, (_, k) => (k + 1) / 20);

export interface WeightFreeProposals {
  readonly width: number;
  readonly height: number;
  /** the levels asked for (default WEIGHT_FREE_LEVELS) */
  readonly levels: readonly number[];
  /** μ_k: the value of c each mask thresholds at (= level in value mode) */
  readonly thresholds: Float64Array;
  /** pixels in M_k */
  readonly areas: Float64Array;
  /** s_G_k; −Infinity for an empty M_k */
  readonly scores: Float64Array;
  /** [H, W]: number of thresholds μ_k ≤ c at the pixel, so M_k = { level > k } (k 0-based) */
  readonly levelMap: Uint8Array;
}

/** histogram resolution: at most 65,536 bins (Uint16 per pixel), fewer for small maps */
const MAX_BINS = 65536;

/**
 * Linear-interpolated quantile (numpy `method='linear'`) of order statistics x[lo], x[hi].
 * @internal exported for tests
 */
export function quantileRanks(level: number, n: number): { lo: number; hi: number; frac: number } {
  const pos = level * (n - 1);
  const lo = Math.floor(pos);
  return { lo, hi: Math.min(lo + 1, n - 1), frac: pos - lo };
}

export function weightFreeProposals(
  map: Float32Array,
  width: number,
  height: number,
  options: { mode?: ThresholdMode; levels?: readonly number[] } = {},
): WeightFreeProposals {
  assertImageSize(width, height);
  assertLength('attention map', map.length, width * height, `[${height}, ${width}]`);
  const mode = options.mode ?? 'value';
  const levels = options.levels ?? WEIGHT_FREE_LEVELS;
  if (levels.length === 0 || levels.length > 255) {
    throw new PipelineError('INVALID_VALUE', `levels must hold 1..255 values, got ${levels.length}`);
  }
  for (let k = 0; k < levels.length; k++) {
    const l = levels[k];
    if (!(l >= 0 && l <= 1) || (k > 0 && l < levels[k - 1])) {
      throw new PipelineError('INVALID_VALUE', `levels must be ascending values in [0, 1]; levels[${k}] = ${l}`);
    }
  }
  const n = map.length;
  const nt = levels.length;

  const thresholds = new Float64Array(nt);
  if (mode === 'value') {
    for (let k = 0; k < nt; k++) thresholds[k] = levels[k];
  } else if (mode === 'quantile') {
    // range and finiteness first: the quantile search bins [min, max]
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = map[i];
      if (v - v !== 0) throw nonFinite(map, width);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    quantileThresholds(map, min, max, levels, thresholds);
  } else {
    throw new PipelineError('INVALID_VALUE', `threshold mode must be 'value' or 'quantile', got ${String(mode)}`);
  }

  const levelMap = new Uint8Array(n);
  const cnt = new Float64Array(nt + 1);
  const sum = new Float64Array(nt + 1);
  levelPass(map, thresholds, levelMap, cnt, sum);

  // M_k = { level > k }: suffix sums over levels
  let total = 0;
  for (let l = 0; l <= nt; l++) total += sum[l];
  if (!Number.isFinite(total)) throw nonFinite(map, width);
  const areas = new Float64Array(nt);
  const scores = new Float64Array(nt);
  let cIn = 0;
  let sIn = 0;
  for (let k = nt - 1; k >= 0; k--) {
    cIn += cnt[k + 1];
    sIn += sum[k + 1];
    areas[k] = cIn;
    const cOut = n - cIn;
    scores[k] = cIn === 0 ? -Infinity : sIn / cIn - (cOut > 0 ? (total - sIn) / cOut : 0);
  }
  return { width, height, levels, thresholds, areas, scores, levelMap };
}

/**
 * The level pass: levelMap[i] = #{k : thresholds[k] ≤ map[i]}, and per level its pixel count and the sum of its values
 * (cnt, sum: nt + 1 entries, zeroed). Its own function so the hot loop is optimised as a whole, not only on-stack.
 */
function levelPass(map: Float32Array, thresholds: Float64Array, levelMap: Uint8Array, cnt: Float64Array, sum: Float64Array): void {
  const n = map.length;
  const nt = thresholds.length;
  // Level pass. bucket(v) = clamp(⌊(v − lo)·scale⌋, 0, NB−1) over the thresholds' range [lo, hi] is monotone in v,
  // so a threshold in a lower bucket is < v and one in a higher bucket is > v: only thresholds sharing the pixel's
  // bucket need a comparison (values outside [lo, hi] land in the end buckets, which hold lo and hi).
  const NB = 4096;
  const min = thresholds[0];
  const max = thresholds[nt - 1];
  const scale = max > min ? (NB - 1) / (max - min) : 0;
  const base = new Uint8Array(NB); // #thresholds whose bucket is below b
  const firstT = new Int16Array(NB).fill(-1);
  const lastT = new Int16Array(NB).fill(-2);
  {
    const tb = new Int32Array(nt);
    for (let k = 0; k < nt; k++) {
      tb[k] = Math.min(NB - 1, Math.max(0, Math.floor((thresholds[k] - min) * scale)));
      if (firstT[tb[k]] < 0) firstT[tb[k]] = k;
      lastT[tb[k]] = k;
    }
    let k = 0;
    for (let b = 0; b < NB; b++) {
      while (k < nt && tb[k] < b) k++;
      base[b] = k;
    }
  }
  // Runs of equal level: the pixel's level is `cur` iff thresholds[cur − 1] ≤ v < thresholds[cur] (lo, hi below), so on
  // a smooth map most pixels cost two comparisons; a step to a neighbouring level costs one more; only larger jumps
  // (and NaN, → level 0, caught by the total) take the bucket lookup. A run's sum is kept in a local and flushed when
  // the level changes: the same additions in the same order as one accumulator per level fed within runs.
  let cur = 0;
  let lo = -Infinity;
  let hi = thresholds[0];
  let runStart = 0;
  let runSum = 0;
  for (let i = 0; i < n; i++) {
    let v = map[i];
    if (v >= lo && v < hi) {
      // the run goes on: a tight loop to its end (V8 keeps its few locals in registers; 0.75× the time of one loop
      // body for every pixel on a smooth map, the same on noise)
      do {
        levelMap[i] = cur;
        runSum += v;
        if (++i === n) break;
        v = map[i];
      } while (v >= lo && v < hi);
      if (i === n) break;
    }
    let lvl: number;
    if (v >= hi && (cur + 1 === nt || v < thresholds[cur + 1])) lvl = cur + 1;
    else if (v < lo && (cur === 1 || v >= thresholds[cur - 2])) lvl = cur - 1;
    else {
      const x = (v - min) * scale;
      const b = x >= 0 ? (x < NB ? x | 0 : NB - 1) : 0;
      lvl = base[b];
      const f = firstT[b];
      if (f >= 0) {
        const l = lastT[b];
        for (let k = f; k <= l && v >= thresholds[k]; k++) lvl++;
      }
    }
    if (lvl !== cur) {
      cnt[cur] += i - runStart;
      sum[cur] += runSum;
      cur = lvl;
      runStart = i;
      runSum = 0;
      lo = lvl > 0 ? thresholds[lvl - 1] : -Infinity;
      hi = lvl < nt ? thresholds[lvl] : Infinity;
    }
    levelMap[i] = lvl;
    runSum += v;
  }
  cnt[cur] += n - runStart;
  sum[cur] += runSum;
}

function nonFinite(map: Float32Array, width: number): PipelineError {
  let i = 0;
  while (i < map.length && Number.isFinite(map[i])) i++;
  return new PipelineError('INVALID_VALUE', `attention map[${i}] (row ${Math.floor(i / width)}, col ${i % width}) is ${map[i]}`);
}

/**
 * numpy-linear quantiles of `map` at ascending `levels` without sorting the map: a count histogram over [min, max]
 * locates each needed order statistic's bin, then only those bins' values are gathered and sorted.
 */
function quantileThresholds(map: Float32Array, min: number, max: number, levels: readonly number[], out: Float64Array): void {
  const n = map.length;
  const BINS = Math.min(MAX_BINS, Math.max(64, n));
  const scale = max > min ? BINS / (max - min) : 0;
  const counts = new Int32Array(BINS);
  for (let i = 0; i < n; i++) {
    let b = ((map[i] - min) * scale) | 0;
    if (b >= BINS) b = BINS - 1;
    counts[b]++;
  }
  const cum = new Float64Array(BINS + 1);
  for (let b = 0; b < BINS; b++) cum[b + 1] = cum[b] + counts[b];
  const rankBin = (r: number): number => {
    let lo = 0;
    let hi = BINS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid + 1] > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const slot = new Int32Array(BINS).fill(-1);
  const slotBins: number[] = [];
  const ranks = levels.map((l) => quantileRanks(l, n));
  for (const r of ranks) {
    for (const rank of [r.lo, r.hi]) {
      const b = rankBin(rank);
      if (slot[b] < 0) {
        slot[b] = slotBins.length;
        slotBins.push(b);
      }
    }
  }
  const gathered = slotBins.map((b) => new Float32Array(counts[b]));
  const fill = new Int32Array(slotBins.length);
  for (let i = 0; i < n; i++) {
    let b = ((map[i] - min) * scale) | 0;
    if (b >= BINS) b = BINS - 1;
    const s = slot[b];
    if (s >= 0) gathered[s][fill[s]++] = map[i];
  }
  for (const g of gathered) g.sort();
  const orderStat = (rank: number): number => {
    const b = rankBin(rank);
    return gathered[slot[b]][rank - cum[b]];
  };
  for (let k = 0; k < levels.length; k++) {
    const r = ranks[k];
    const a = orderStat(r.lo);
    const c = orderStat(r.hi);
    out[k] = a + r.frac * (c - a);
  }
}

/** M_k as a byte mask [H, W] (k 0-based) from the level map. */
export function weightFreeMask(p: WeightFreeProposals, k: number): Uint8Array {
  if (!Number.isInteger(k) || k < 0 || k >= p.thresholds.length) {
    throw new PipelineError('INVALID_VALUE', `proposal index ${k} out of range [0, ${p.thresholds.length})`);
  }
  const out = new Uint8Array(p.levelMap.length);
  const lm = p.levelMap;
  for (let i = 0; i < lm.length; i++) out[i] = lm[i] > k ? 1 : 0;
  return out;
}

/** Every M_k as a byte mask [H, W], in one pass over the level map (the masks weightFreeMask gives one by one). */
export function weightFreeMasks(p: WeightFreeProposals): Uint8Array[] {
  const nt = p.thresholds.length;
  const lm = p.levelMap;
  const masks = Array.from({ length: nt }, () => new Uint8Array(lm.length));
  for (let i = 0; i < lm.length; i++) {
    const l = lm[i];
    for (let k = 0; k < l; k++) masks[k][i] = 1;
  }
  return masks;
}

/**
 * The tight inclusive box [x0, y0, x1, y1] of every M_k (null when empty), in one pass: the box of each level's own
 * pixels, then unions from the top level down (M_k = the pixels of level > k). Equal to maskBox of each mask.
 */
export function weightFreeBoxes(p: WeightFreeProposals): ([number, number, number, number] | null)[] {
  const nt = p.thresholds.length;
  const { width: W, height: H, levelMap: lm } = p;
  const x0 = new Int32Array(nt + 1).fill(W);
  const y0 = new Int32Array(nt + 1).fill(H);
  const x1 = new Int32Array(nt + 1).fill(-1);
  const y1 = new Int32Array(nt + 1).fill(-1);
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let x = 0; x < W; x++) {
      const l = lm[o + x];
      if (l === 0) continue;
      if (x < x0[l]) x0[l] = x;
      if (x > x1[l]) x1[l] = x;
      if (y < y0[l]) y0[l] = y;
      y1[l] = y;
    }
  }
  const out: ([number, number, number, number] | null)[] = new Array(nt);
  let a = W;
  let b = H;
  let c = -1;
  let d = -1;
  for (let k = nt - 1; k >= 0; k--) {
    const l = k + 1;
    if (x0[l] < a) a = x0[l];
    if (y0[l] < b) b = y0[l];
    if (x1[l] > c) c = x1[l];
    if (y1[l] > d) d = y1[l];
    out[k] = c < 0 ? null : [a, b, c, d];
  }
  return out;
}

/**
 * Why weight-free proposals cannot answer, or null when they can. `flat`: c is constant (min-max normalisation made
 * it all 0), so no region of c is above another — in value mode every M_k is empty, in quantile mode every M_k is the
 * whole image; either way the map says nothing about where the referent is. `empty`: no M_k has a pixel (max c below
 * the lowest level). A lower threshold than the method's lowest level only helps the `empty` case, and only for a map
 * that is not flat — impossible after min-max normalisation (max c = 1) — so the caller fails the expression.
 */
export function weightFreeFailure(map: Float32Array, p: WeightFreeProposals): 'flat' | 'empty' | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return 'flat';
  for (let k = 0; k < p.areas.length; k++) if (p.areas[k] > 0) return null;
  return 'empty';
}
