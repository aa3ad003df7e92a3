import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticSamBatch } from '../bench/pipeline-bench';
import { maskBox } from '../masks/binary-mask';
import { SamMaskUpscaler } from './mask-upscale';
import { SamRunUpscaler } from './run-upscale';
import { samGeometry, type SamGeometry } from './sam-geometry';
import { SamMaskGenerator } from './sam-mask-generator';
import { samPostMemory } from './wasm/sam-post-kernels';

/**
 * Exactness of the fast SAM post-processing path: SamRunUpscaler (with its WebAssembly SIMD kernels and without) and
 * the 'runs' generator must give exactly what the reference SamMaskUpscaler (the previous implementation) gives —
 * counts, areas, boxes, stability, masks — on smooth blobs, on rough random planes (many runs per row), on planes of
 * small integers whose interpolated values land exactly on the thresholds, on near-zero planes like the tiny
 * real-structure SAM export's (~1e-4: every cell between the stability bounds, the threshold crossed everywhere), on
 * piecewise-constant planes like the toy models', on isolated cells at a bound or a float32 step or two from it
 * (areas of a few pixels, boxes ending on either lane of the kernels' pixel pairs), and on blobs of such ties.
 */

const geometries: SamGeometry[] = [
  samGeometry(10, 10, 64, 16),
  samGeometry(75, 50, 64, 16),
  samGeometry(40, 30, 64, 16),
  samGeometry(23, 61, 64, 16),
  samGeometry(130, 97, 64, 16),
  samGeometry(64, 64, 64, 16),
  samGeometry(160, 120, 128, 32),
];

function must<T>(v: T | null): T {
  if (v === null) throw new Error('expected a value, got null');
  return v;
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

type PlaneKind = 'blob' | 'rough' | 'integers' | 'halves' | 'tiny' | 'flat' | 'speckle' | 'ties';
const KINDS: PlaneKind[] = ['blob', 'rough', 'integers', 'halves', 'tiny', 'flat', 'speckle', 'ties'];

/** the thresholds and offsets the property test draws, and every bound t ± offset they make */
const THRESHOLDS = [0, 0.5, -1, 1, 0.3, 1e-4];
const OFFSETS = [1, 0, 0.5, 2, 0.7, 1e-4];
const BOUNDS = THRESHOLDS.flatMap((t) => OFFSETS.flatMap((o) => [t, t - o, t + o]));

/** x moved by `steps` float32 steps (the float32 neighbours of a bound) */
function f32Steps(x: number, steps: number): number {
  const f = new Float32Array([x]);
  const i = new Int32Array(f.buffer);
  for (let k = 0; k < Math.abs(steps); k++) {
    if (f[0] === 0) f[0] = steps > 0 ? 2 ** -149 : -(2 ** -149);
    else i[0] += steps > 0 === f[0] > 0 ? 1 : -1;
  }
  return f[0];
}

function plane(g: SamGeometry, kind: PlaneKind, seed: number): Float32Array {
  const s = g.lowResSize;
  const rnd = lcg(seed);
  const out = new Float32Array(s * s);
  const cx = rnd() * s;
  const cy = rnd() * s;
  const r = 1 + rnd() * s * 0.6;
  const slope = 0.2 + rnd() * 20;
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const d = r - Math.hypot(x - cx, y - cy);
      let v: number;
      if (kind === 'blob') v = slope * d + (rnd() - 0.5) * 2;
      else if (kind === 'rough') v = (rnd() - 0.5) * 8 + (d > 0 ? 2 : -2);
      else if (kind === 'integers') v = Math.round((rnd() - 0.5) * 6 + Math.sign(d));
      else if (kind === 'halves') v = Math.round(((rnd() - 0.5) * 6 + Math.sign(d)) * 2) / 2;
      else if (kind === 'tiny') v = (rnd() - 0.5) * 2e-4 + (d > 0 ? 5e-5 : -5e-5);
      // isolated cells at or near a bound in a background below everything: areas of a few pixels, boxes and row
      // extents ending on either lane of the kernels' pixel pairs, blocks of odd and even widths
      else if (kind === 'speckle') v = rnd() < 0.04 ? f32Steps(BOUNDS[Math.floor(rnd() * BOUNDS.length)], Math.floor(rnd() * 5) - 2) + (rnd() < 0.3 ? 8 : 0) : -8;
      // inside the blob every cell a bound or one of its float32 neighbours (ties and near-ties everywhere), outside
      // below everything
      else if (kind === 'ties') v = d > 0 ? f32Steps(BOUNDS[Math.floor(rnd() * BOUNDS.length)], Math.floor(rnd() * 3) - 1) : -8;
      else v = d > 0 ? 8 : -8;
      out[y * s + x] = v;
    }
  }
  return out;
}

describe('SamRunUpscaler equals the reference SamMaskUpscaler', () => {
  it('stats() and mask() on random planes of every kind, several thresholds and offsets (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...geometries),
        fc.constantFrom(...KINDS),
        fc.integer(),
        // 0.3 and −0.7 ± 1 are no float32: the SIMD scan compares with the float32 just below its bound
        fc.constantFrom(...THRESHOLDS),
        fc.constantFrom(...OFFSETS),
        (g, kind, seed, threshold, offset) => {
          const low = plane(g, kind, seed);
          const ref = new SamMaskUpscaler(g);
          const a = ref.stats(low, threshold, offset);
          const refMask = ref.mask(low, threshold);
          const supports = [new SamRunUpscaler(g), new SamRunUpscaler(g, { simd: false })].map((fast) => {
            const b = fast.stats(low, threshold, offset);
            expect([b.countHigh, b.countLow, b.area, b.box]).toEqual([a.countHigh, a.countLow, a.area, a.box]);
            expect(fast.mask(low, threshold)).toEqual(refMask);
            return b.support;
          });
          expect(supports[0]).toEqual(supports[1]);
          // the plane in a buffer the kernels lent (a decoder's output landing in their memory): read in place
          const fast = new SamRunUpscaler(g);
          const lent = must(fast.lend(low.length));
          lent.set(low);
          const c = fast.stats(lent, threshold, offset);
          expect([c.countHigh, c.countLow, c.area, c.box, c.support]).toEqual([a.countHigh, a.countLow, a.area, a.box, supports[0]]);
          expect(fast.mask(lent, threshold)).toEqual(refMask);
          fast.giveBack(lent);
        },
      ),
      { numRuns: 300 },
    );
  }, 300_000);

  it('a mask from the stored support window equals the mask from the whole plane', () => {
    fc.assert(
      fc.property(fc.constantFrom(...geometries), fc.constantFrom<PlaneKind>('blob', 'rough', 'halves', 'tiny', 'speckle', 'ties'), fc.integer(), (g, kind, seed) => {
        const low = plane(g, kind, seed);
        const fast = new SamRunUpscaler(g);
        const st = fast.stats(low, 0, 1);
        if (!st.support) return;
        const [r0, r1, c0, c1] = st.support;
        const rows = r1 - r0 + 1;
        const cols = c1 - c0 + 1;
        const s = g.lowResSize;
        const data = new Float32Array(rows * cols);
        for (let r = 0; r < rows; r++) data.set(low.subarray((r0 + r) * s + c0, (r0 + r) * s + c0 + cols), r * cols);
        expect(fast.mask({ data, stride: cols, row0: r0, col0: c0, rows, cols }, 0)).toEqual(new SamMaskUpscaler(g).mask(low, 0));
      }),
      { numRuns: 100 },
    );
  }, 300_000);

  it.each([true, false])('ignores cells no output pixel reads, and rejects NaN / +Infinity in cells it reads (simd %s)', (simd) => {
    // 640×480 at 1024: the resized extent is 1024×768, so low-res rows ≥ 194 of 256 are SAM's padding
    const g = samGeometry(640, 480);
    const fast = new SamRunUpscaler(g, { simd });
    expect(fast.reachRows).toBeLessThan(256);
    const low = new Float32Array(256 * 256).fill(-5);
    low[255 * 256 + 3] = NaN;
    expect(fast.stats(low, 0, 1).countLow).toBe(0);
    low[3 * 256 + 7] = NaN;
    expect(() => fast.stats(low, 0, 1)).toThrow(/row 3, col 7 is NaN/);
    low[3 * 256 + 7] = Infinity;
    expect(() => fast.stats(low, 0, 1)).toThrow(/row 3, col 7 is Infinity/);
    low[3 * 256 + 7] = 10;
    low[3 * 256 + 9] = Infinity;
    expect(() => fast.stats(low, 0, 1)).toThrow(/row 3, col 9 is Infinity/);
    // −Infinity reads as below everything; a NaN in the middle of a run is still found
    low[3 * 256 + 9] = -Infinity;
    expect(fast.stats(low, 0, 1).countLow).toBeGreaterThan(0);
    low.fill(10, 5 * 256, 5 * 256 + 100);
    low[5 * 256 + 50] = NaN;
    expect(() => fast.stats(low, 0, 1)).toThrow(/row 5, col 50 is NaN/);
  });
});

describe('WebAssembly kernels shared by upscalers of one geometry', () => {
  it('two upscalers of the same geometry, calls interleaved, give what each gives alone', () => {
    const g = samGeometry(130, 97, 64, 16);
    const planes = Array.from({ length: 6 }, (_, i) => plane(g, KINDS[i % KINDS.length], 900 + i));
    const alone = planes.map((p) => {
      const u = new SamRunUpscaler(g, { simd: false });
      return [u.stats(p, 0, 1), u.mask(p, 0)];
    });
    const a = new SamRunUpscaler(g);
    const b = new SamRunUpscaler(g);
    planes.forEach((p, i) => {
      const u = i % 2 ? a : b;
      const other = i % 2 ? b : a;
      const st = u.stats(p, 0, 1);
      other.stats(planes[(i + 1) % planes.length], 0.5, 2);
      expect(st).toEqual(alone[i][0]);
      expect(u.mask(p, 0)).toEqual(alone[i][1]);
    });
  });
});

describe('one WebAssembly memory for every geometry of a thread, and the buffers it lends', () => {
  // the mask as base64: toEqual on 300k-element arrays is slow
  const both = (u: SamRunUpscaler, p: Float32Array) => [u.stats(p, 0, 1), Buffer.from(u.mask(p, 0)).toString('base64')] as const;

  it('upscalers of different geometries, calls interleaved, with the memory growing between calls, give what each gives alone', () => {
    const memory = must(samPostMemory());
    expect(memory).not.toBeNull();
    const gs = [samGeometry(23, 61, 64, 16), samGeometry(640, 480, 256, 64), samGeometry(130, 97, 64, 16), samGeometry(333, 500, 256, 64), samGeometry(10, 10, 64, 16)];
    const ups = gs.map((g) => new SamRunUpscaler(g));
    for (let t = 0; t < 30; t++) {
      const i = (t * 3) % gs.length;
      const g = gs[i];
      const p = plane(g, KINDS[t % KINDS.length], 1200 + t);
      if (t === 12) {
        // a bigger buffer than any lent before: the memory grows, every view made earlier is detached
        const generation = memory.generation;
        const big = must(memory.lend(3 * 1024 * 1024));
        expect(memory.generation).toBeGreaterThan(generation);
        memory.giveBack(big);
      }
      // in place too, from a buffer the memory lends
      const lent = must(ups[i].lend(p.length));
      lent.set(p);
      const alone = both(new SamRunUpscaler(g, { simd: false }), p);
      expect(both(ups[i], p)).toEqual(alone);
      expect(both(ups[i], lent)).toEqual(alone);
      ups[i].giveBack(lent);
    }
    expect(memory.lent).toBe(0);
  }, 120_000);

  it('while a buffer is lent the memory does not grow: a geometry that needs more room gets its own module, lending waits until it is back', () => {
    const memory = must(samPostMemory());
    const small = samGeometry(40, 30, 64, 16);
    const held = must(new SamRunUpscaler(small).lend(64 * 64));
    expect(memory.lent).toBe(1);
    const generation = memory.generation;
    // larger than any geometry before it: its tables and scratch would need the memory to grow
    const huge = samGeometry(1100, 1000, 1024, 256);
    const u = new SamRunUpscaler(huge);
    expect(memory.generation).toBe(generation);
    expect(u.lend(256 * 256)).toBeNull(); // its private module lends nothing
    expect(memory.lend(64 * 64)).toBeNull(); // the memory waits for the lent buffer, to grow
    const p = plane(huge, 'blob', 5);
    expect(both(u, p)).toEqual(both(new SamRunUpscaler(huge, { simd: false }), p));
    memory.giveBack(held);
    expect(memory.lent).toBe(0);
    // back: the next upscaler of that geometry lays out in the shared memory, which lends again
    const v = new SamRunUpscaler(huge);
    expect(memory.generation).toBeGreaterThan(generation);
    const lent = must(v.lend(256 * 256));
    lent.set(p);
    expect(both(v, lent)).toEqual(both(u, p));
    v.giveBack(lent);
  }, 120_000);

  it('a generator lends per batch and takes back what is still out when released; the reference engine lends nothing', () => {
    const memory = must(samPostMemory());
    const g = samGeometry(640, 480, 256, 64);
    const gen = new SamMaskGenerator(g);
    const a = must(gen.lendLowResLogits(4));
    const b = must(gen.lendLowResLogits(4));
    expect(a.length).toBe(4 * 3 * 64 * 64);
    expect(b.byteOffset).not.toBe(a.byteOffset);
    expect(memory.lent).toBe(2);
    gen.giveBack(a);
    gen.giveBack(a); // twice: no effect
    expect(memory.lent).toBe(1);
    gen.release();
    expect(memory.lent).toBe(0);
    expect(gen.lendLowResLogits(4)).toBeNull();
    expect(new SamMaskGenerator(g, {}, { engine: 'reference' }).lendLowResLogits(4)).toBeNull();
    expect(new SamMaskGenerator(g, {}, { simd: false }).lendLowResLogits(4)).toBeNull();
  });
});

describe("the generator's 'runs' engine equals the 'reference' engine", () => {
  function run(engine: 'runs' | 'reference', g: SamGeometry, batches: ReturnType<typeof syntheticSamBatch>[], perBatch: number, simd = true, inPlace = false) {
    const gen = new SamMaskGenerator(g, {}, { engine, simd });
    batches.forEach((b, i) => {
      if (!inPlace) return gen.addBatch(b, i * perBatch);
      // as the engine does with a decoder that writes into the buffer the generator lends
      const into = must(gen.lendLowResLogits(b.points));
      into.set(b.lowResLogits);
      gen.addBatch({ ...b, lowResLogits: into }, i * perBatch);
      gen.giveBack(into);
    });
    const kept = gen.finish();
    return {
      counts: { ...gen.counts },
      kept: kept.map((c) => ({ point: c.point, multimask: c.multimask, predIou: c.predIou, stability: c.stability, area: c.area, box: c.box })),
      masks: kept.map((c) => gen.mask(c)),
      lowRes: kept.map((c) => c.lowRes),
    };
  }

  it.each([
    [640, 480],
    [333, 500],
  ])('synthetic decoder batches at %i×%i (the bench scene: 48 objects, soft to sharp edges)', (w, h) => {
    const g = samGeometry(w, h, 256, 64);
    const perBatch = 16;
    const batches = Array.from({ length: 3 }, (_, b) => syntheticSamBatch(perBatch, b * perBatch, g.lowResSize, 500 + b, 8));
    const a = run('reference', g, batches, perBatch);
    const b = run('runs', g, batches, perBatch);
    const c = run('runs', g, batches, perBatch, false);
    const d = run('runs', g, batches, perBatch, true, true);
    expect(a.counts.passedStability).toBeGreaterThan(0);
    for (const x of [b, c, d]) {
      expect(x.counts).toEqual(a.counts);
      expect(x.kept).toEqual(a.kept);
      // byte comparison: toEqual on 300k-element arrays is slow
      for (let i = 0; i < a.masks.length; i++) expect(Buffer.from(x.masks[i]).equals(Buffer.from(a.masks[i]))).toBe(true);
    }
    // the stored support windows: the same with or without SIMD and read in place, each holding exactly its cells of
    // the decoder's plane
    const bytes = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    const s = g.lowResSize;
    for (let i = 0; i < b.lowRes.length; i++) {
      const { data, ...where } = b.lowRes[i];
      const { data: other, ...at } = c.lowRes[i];
      const { data: inPlace, ...there } = d.lowRes[i];
      expect(where).toEqual(at);
      expect(there).toEqual(at);
      expect(bytes(data).equals(bytes(other))).toBe(true);
      expect(bytes(inPlace).equals(bytes(other))).toBe(true);
      const { point, multimask } = b.kept[i];
      const plane = batches[Math.floor(point / perBatch)].lowResLogits.subarray(((point % perBatch) * 3 + multimask) * s * s);
      const { row0, col0, rows, cols } = where;
      for (let r = 0; r < rows; r++) {
        expect(bytes(data.subarray(r * cols, (r + 1) * cols)).equals(bytes(plane.subarray((row0 + r) * s + col0, (row0 + r) * s + col0 + cols)))).toBe(true);
      }
    }
    for (let i = 0; i < a.masks.length; i++) {
      let area = 0;
      for (const v of b.masks[i]) area += v;
      expect(area).toBe(b.kept[i].area);
      expect(maskBox(b.masks[i], w, h) ?? [0, 0, 0, 0]).toEqual(b.kept[i].box);
    }
  }, 120_000);
});

describe('stored support windows and released generators', () => {
  it('copyWindow copies any rectangle of the plane read last, inside the module copy or past it (rows and columns no pixel reads)', () => {
    for (const g of [samGeometry(640, 480, 256, 64), samGeometry(333, 500, 256, 64), samGeometry(64, 64, 64, 16)]) {
      const s = g.lowResSize;
      const rnd = lcg(g.width);
      for (const simd of [true, false]) {
        const u = new SamRunUpscaler(g, { simd });
        for (let t = 0; t < 40; t++) {
          const p = plane(g, KINDS[t % KINDS.length], 900 + t);
          u.stats(p, 0, 1);
          const r0 = Math.floor(rnd() * s);
          const c0 = Math.floor(rnd() * s);
          const rows = 1 + Math.floor(rnd() * (s - r0));
          const cols = 1 + Math.floor(rnd() * (s - c0));
          const out = new Float32Array(rows * cols + 3).fill(7);
          u.copyWindow(p, r0, rows, c0, cols, out.subarray(0, rows * cols));
          for (let r = 0; r < rows; r++) {
            for (let c = 0; c < cols; c++) expect(Object.is(out[r * cols + c], p[(r0 + r) * s + c0 + c])).toBe(true);
          }
          expect(Array.from(out.subarray(rows * cols))).toEqual([7, 7, 7]);
        }
      }
    }
  });

  it('a generator that reuses the windows a released one held gives what a fresh one gives; a released one refuses work', () => {
    const g = samGeometry(640, 480, 256, 64);
    const perBatch = 16;
    const batchesA = Array.from({ length: 2 }, (_, b) => syntheticSamBatch(perBatch, b * perBatch, g.lowResSize, 700 + b, 8));
    const batchesB = Array.from({ length: 2 }, (_, b) => syntheticSamBatch(perBatch, b * perBatch, g.lowResSize, 800 + b, 8));
    const result = (gen: SamMaskGenerator) => {
      const kept = gen.finish();
      return { counts: { ...gen.counts }, kept: kept.map((c) => ({ ...c, lowRes: { ...c.lowRes, data: Array.from(c.lowRes.data) } })), masks: kept.map((c) => gen.mask(c)) };
    };
    const reference = new SamMaskGenerator(g, {}, { engine: 'reference' });
    batchesB.forEach((b, i) => reference.addBatch(b, i * perBatch));
    const expected = result(reference);
    for (const simd of [true, false]) {
      const first = new SamMaskGenerator(g, {}, { simd });
      batchesA.forEach((b, i) => first.addBatch(b, i * perBatch));
      const firstKept = first.finish();
      expect(firstKept.length).toBeGreaterThan(0);
      first.release();
      expect(() => first.mask(firstKept[0])).toThrow(/release/);
      expect(() => first.lowResPlane(firstKept[0])).toThrow(/release/);
      expect(() => first.addBatch(batchesA[0], 0)).toThrow(/release/);
      first.release(); // twice: no effect
      const second = new SamMaskGenerator(g, {}, { simd });
      batchesB.forEach((b, i) => second.addBatch(b, i * perBatch));
      const got = result(second);
      second.release();
      expect(got.counts).toEqual(expected.counts);
      expect(got.kept.map(({ lowRes: _got, ...k }) => k)).toEqual(expected.kept.map(({ lowRes: _expected, ...k }) => k));
      got.kept.forEach((k, i) => expect(k.lowRes).toEqual(expected.kept[i].lowRes));
      got.masks.forEach((m, i) => expect(Buffer.from(m).equals(Buffer.from(expected.masks[i]))).toBe(true));
    }
  }, 120_000);
});

