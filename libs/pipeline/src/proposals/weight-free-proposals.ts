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
 * Speed: no 19 passes. One pass for min/max, one for a 65,536-bin histogram (count and sum per bin), one that
 * resolves only the bins a threshold falls into exactly (bin(v) is monotone in v, so every other bin is wholly
 * inside or outside) and writes the nested masks as one level map.
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

const BINS = 65536;

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

  // pass 1: range and finiteness
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = map[i];
    if (v - v !== 0) {
      throw new PipelineError('INVALID_VALUE', `attention map[${i}] (row ${Math.floor(i / width)}, col ${i % width}) is ${v}`);
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }

  // pass 2: histogram; bin(v) = min(BINS−1, floor((v − min)·scale)) is monotone non-decreasing in v
  const scale = max > min ? BINS / (max - min) : 0;
  const binOf = (v: number): number => {
    if (v <= min) return v < min ? -1 : 0;
    if (v > max) return BINS;
    const b = Math.floor((v - min) * scale);
    return b < BINS ? b : BINS - 1;
  };
  const counts = new Int32Array(BINS);
  const sums = new Float64Array(BINS);
  const bins = new Uint16Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = map[i];
    let b = ((v - min) * scale) | 0;
    if (b >= BINS) b = BINS - 1;
    bins[i] = b;
    counts[b]++;
    sums[b] += v;
    total += v;
  }

  // thresholds
  const thresholds = new Float64Array(nt);
  if (mode === 'value') {
    for (let k = 0; k < nt; k++) thresholds[k] = levels[k];
  } else if (mode === 'quantile') {
    // order statistics needed: find their bins, gather those bins' values, sort them
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
      const s = slot[bins[i]];
      if (s >= 0) gathered[s][fill[s]++] = map[i];
    }
    for (const g of gathered) g.sort();
    const orderStat = (rank: number): number => {
      const b = rankBin(rank);
      return gathered[slot[b]][rank - cum[b]];
    };
    for (let k = 0; k < nt; k++) {
      const r = ranks[k];
      const a = orderStat(r.lo);
      const c = orderStat(r.hi);
      thresholds[k] = a + r.frac * (c - a);
    }
  } else {
    throw new PipelineError('INVALID_VALUE', `threshold mode must be 'value' or 'quantile', got ${String(mode)}`);
  }

  // thresholds per bin: `below[b]` = #thresholds whose bin < b; bins holding thresholds are resolved exactly
  const tBin = new Int32Array(nt);
  for (let k = 0; k < nt; k++) tBin[k] = binOf(thresholds[k]);
  const below = new Uint8Array(BINS);
  const firstT = new Int32Array(BINS).fill(-1); // first threshold index in that bin
  const lastT = new Int32Array(BINS).fill(-2);
  {
    let k = 0;
    for (let b = 0; b < BINS; b++) {
      while (k < nt && tBin[k] < b) k++;
      below[b] = k;
    }
    for (let k2 = 0; k2 < nt; k2++) {
      const b = tBin[k2];
      if (b >= 0 && b < BINS) {
        if (firstT[b] < 0) firstT[b] = k2;
        lastT[b] = k2;
      }
    }
  }

  // pass 3: level map + exact partial counts/sums in threshold bins
  const levelMap = new Uint8Array(n);
  const partCount = new Float64Array(nt);
  const partSum = new Float64Array(nt);
  for (let i = 0; i < n; i++) {
    const b = bins[i];
    let lvl = below[b];
    const f = firstT[b];
    if (f >= 0) {
      const v = map[i];
      const l = lastT[b];
      for (let k = f; k <= l; k++) {
        if (v >= thresholds[k]) {
          lvl++;
          partCount[k]++;
          partSum[k] += v;
        }
      }
    }
    levelMap[i] = lvl;
  }

  // suffix sums over bins: inside(μ_k) = bins above tBin[k] + exact part of tBin[k]
  const sufCount = new Float64Array(BINS + 1);
  const sufSum = new Float64Array(BINS + 1);
  for (let b = BINS - 1; b >= 0; b--) {
    sufCount[b] = sufCount[b + 1] + counts[b];
    sufSum[b] = sufSum[b + 1] + sums[b];
  }
  const areas = new Float64Array(nt);
  const scores = new Float64Array(nt);
  for (let k = 0; k < nt; k++) {
    const b = tBin[k];
    let cIn: number;
    let sIn: number;
    if (b < 0) {
      cIn = n;
      sIn = total;
    } else if (b >= BINS) {
      cIn = 0;
      sIn = 0;
    } else {
      cIn = sufCount[b + 1] + partCount[k];
      sIn = sufSum[b + 1] + partSum[k];
    }
    areas[k] = cIn;
    if (cIn === 0) scores[k] = -Infinity;
    else {
      const cOut = n - cIn;
      scores[k] = sIn / cIn - (cOut > 0 ? (total - sIn) / cOut : 0);
    }
  }
  return { width, height, levels, thresholds, areas, scores, levelMap };
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
