/**
 * Seeded pseudo-random numbers for the synthetic world: mulberry32 over a 32-bit state (seed mixed with
 * splitmix32 first so that nearby seeds give unrelated streams). Same seed → same sequence on every platform.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** integer uniform in [lo, hi] (inclusive) */
  int(lo: number, hi: number): number;
  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  /** a derived, independent generator (for sub-streams that must not shift when the caller draws more) */
  fork(label: number): Rng;
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  // fold the integer part of any finite seed (negative or > 2^32) into 32 bits
  const s = Math.trunc(seed);
  let state = splitmix32((s >>> 0) ^ splitmix32(Math.floor(s / 2 ** 32) >>> 0));
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int(lo, hi) {
      if (!(Number.isInteger(lo) && Number.isInteger(hi) && hi >= lo)) {
        throw new RangeError(`int(lo, hi) needs integers lo ≤ hi, got ${lo}, ${hi}`);
      }
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    uniform(lo, hi) {
      return lo + next() * (hi - lo);
    },
    pick(items) {
      if (items.length === 0) throw new RangeError('pick() from an empty list');
      return items[Math.floor(next() * items.length)];
    },
    fork(label) {
      return createRng((state ^ splitmix32(label >>> 0)) >>> 0);
    },
  };
  return rng;
}
