import type { ComposedAxis } from '../mask-upscale';
import { lazyWasmModule, type WasmMemory } from '../../wasm/wasm-module';
import { SAM_POST_WASM_BASE64 } from './sam-post.wasm';

interface Exports {
  memory: WasmMemory;
  scanRuns(...args: number[]): number;
  classifyLeaves(...args: number[]): void;
  walk(...args: number[]): void;
  gather(...args: number[]): void;
  maskFill(...args: number[]): void;
}

const kernels = lazyWasmModule(SAM_POST_WASM_BASE64);

/**
 * The largest float32 ≤ x: for every float32 v, v ≤ x ⇔ v ≤ f32BelowOrEqual(x), so the module compares in float32
 * what the JavaScript compares in float64.
 */
export function f32BelowOrEqual(x: number): number {
  const f = Math.fround(x);
  if (!(f > x)) return f;
  if (f === 0) return -(2 ** -149);
  bitsF32[0] = f;
  bitsI32[0] += f > 0 ? -1 : 1;
  return bitsF32[0];
}

/** one float32's bits, for the step to the next float32 down (no allocation per call: it runs twice a candidate) */
const bitsF32 = new Float32Array(1);
const bitsI32 = new Int32Array(bitsF32.buffer);

/** The axis tables SamRunUpscaler derives (see its fields of the same names). */
export interface WalkTables {
  readonly xNonZero: Int32Array;
  readonly yNonZero: Int32Array;
  readonly xGroupCell: Int32Array;
  readonly yGroupCell: Int32Array;
  readonly firstGroupStartGE: Int32Array;
}

const align8 = (n: number) => (n + 7) & ~7;

/** kernels by geometry, least recently used first */
const instances = new Map<string, SamPostKernels>();
const MAX_INSTANCES = 4;

/**
 * SamRunUpscaler's hot loops in WebAssembly (sam-post.wat), for one geometry. `scanRuns` copies a candidate's
 * reachable rows into the module's memory (one native copy, at memory bandwidth), finds each row's first and last
 * cell above the low bound with SIMD and records the runs there; `classifyLeaves` classifies the boundary tap
 * windows on that copy with the same float64 arithmetic as the JavaScript. Every region is laid out once, at its
 * largest size, so the memory never grows and the views below stay valid.
 */
export class SamPostKernels {
  /** per-row runs as SamRunUpscaler keeps them (views into the module's memory, indexed by absolute row) */
  readonly lRuns: Int32Array;
  readonly uRuns: Int32Array;
  readonly lOff: Int32Array;
  readonly uOff: Int32Array;
  /** tap windows for classifyLeaves: (ya, yb, xa, xb) each; room for every window of the output */
  readonly leaves: Int32Array;
  /** output rectangles whose taps are all above the upper bound (ya, yb, xa, xb), as `walk` lists them */
  readonly interiors: Int32Array;
  private readonly ex: Exports;
  private readonly heapF32: Float32Array;
  private readonly heapI32: Int32Array;
  private readonly heapU8: Uint8Array;
  /** scanRuns' and walk's results (views made once: they run once or twice a candidate) */
  private readonly info: Int32Array;
  private readonly walkOut: Int32Array;
  private readonly p: Record<'xs' | 'xw' | 'xnz' | 'ys' | 'yw' | 'ynz' | 'out' | 'info' | 'scratch' | 'cells' | 'ext' | 'lRuns' | 'uRuns' | 'lOff' | 'uOff' | 'leaves' | 'interiors' | 'ycell' | 'gy' | 'xcell' | 'gx' | 'fg' | 'bufA' | 'bufB' | 'bufC' | 'ranges' | 'walkOut' | 'stage' | 'mask', number>;
  private readonly s: number;
  /** the window scanned last: cell (r, c) is at cells + 4·((r − rA)·stride + c − cA) */
  private rA = 0;
  private cA = 0;
  private stride = 0;
  /** rows and columns of that copy */
  private rows = 0;
  private cols = 0;

  /**
   * The kernels for one geometry (`key` names it: equal keys, equal axes), null without WebAssembly SIMD. Instances
   * are shared by every upscaler of that geometry — their state lives only within one synchronous call — and the
   * last few geometries are kept: a module instance per image would make V8 collect their memories again and again.
   */
  static forGeometry(key: string, lowResSize: number, x: ComposedAxis, y: ComposedAxis, tables: WalkTables): SamPostKernels | null {
    const cached = instances.get(key);
    if (cached) {
      instances.delete(key);
      instances.set(key, cached);
      return cached;
    }
    const exports = kernels.instantiate<Exports>();
    if (!exports) return null;
    const k = new SamPostKernels(exports, lowResSize, x, y, tables);
    instances.set(key, k);
    if (instances.size > MAX_INSTANCES) instances.delete(instances.keys().next().value as string);
    return k;
  }

  private constructor(
    ex: Exports,
    lowResSize: number,
    private readonly x: ComposedAxis,
    private readonly y: ComposedAxis,
    tables: WalkTables,
  ) {
    this.ex = ex;
    const s = lowResSize;
    this.s = s;
    const { xNonZero, yNonZero, xGroupCell, yGroupCell, firstGroupStartGE } = tables;
    const groups = (x.groupStart.length - 1) * (y.groupStart.length - 1);
    let at = 0;
    const take = (bytes: number) => {
      const p = at;
      at = align8(at + bytes);
      return p;
    };
    this.p = {
      xs: take(4 * x.outSize),
      xw: take(8 * x.weights.length),
      xnz: take(4 * xNonZero.length),
      ys: take(4 * y.outSize),
      yw: take(8 * y.weights.length),
      ynz: take(4 * yNonZero.length),
      out: take(4 * 7),
      info: take(4 * 4),
      // one row more: the two-pixel loads of an odd-width block read one float64 past its row
      scratch: take(8 * (y.k + 1) * x.outSize),
      cells: take(4 * s * s),
      ext: take(8 * s),
      lRuns: take(4 * s * (s + 4)),
      uRuns: take(4 * s * (s + 4)),
      lOff: take(4 * (s + 1)),
      uOff: take(4 * (s + 1)),
      leaves: take(16 * groups),
      interiors: take(16 * groups),
      ycell: take(4 * yGroupCell.length),
      gy: take(4 * y.groupStart.length),
      xcell: take(4 * xGroupCell.length),
      gx: take(4 * x.groupStart.length),
      fg: take(4 * firstGroupStartGE.length),
      bufA: take(8 * (s + 4)),
      bufB: take(8 * (s + 4)),
      bufC: take(8 * (s + 4)),
      ranges: take(8 * (s + 4)),
      walkOut: take(8),
      // a support window gathered for the caller; 4 cells more for gather's whole-vector stores
      stage: take(4 * (s * s + 4)),
      // maskInto's raster (W × H bytes), zero between calls
      mask: take(x.outSize * y.outSize),
    };
    const have = ex.memory.buffer.byteLength;
    if (at > have) ex.memory.grow(Math.ceil((at - have) / 65536));
    const buf = ex.memory.buffer;
    this.heapF32 = new Float32Array(buf);
    this.heapI32 = new Int32Array(buf);
    this.heapU8 = new Uint8Array(buf);
    this.info = new Int32Array(buf, this.p.info, 4);
    this.walkOut = new Int32Array(buf, this.p.walkOut, 2);
    const p = this.p;
    new Int32Array(buf, p.xs, x.outSize).set(x.start);
    // per output column: its non-zero taps' weights from the first one, and (first cell, count)
    const xw = new Float64Array(buf, p.xw, x.weights.length);
    const xnz = new Int32Array(buf, p.xnz, xNonZero.length);
    for (let px = 0; px < x.outSize; px++) {
      const j0 = xNonZero[2 * px];
      const n = Math.max(0, xNonZero[2 * px + 1] - j0 + 1);
      for (let j = 0; j < n; j++) xw[px * x.k + j] = x.weights[px * x.k + j0 + j];
      xnz[2 * px] = x.start[px] + j0;
      xnz[2 * px + 1] = n;
    }
    new Int32Array(buf, p.ys, y.outSize).set(y.start);
    new Float64Array(buf, p.yw, y.weights.length).set(y.weights);
    new Int32Array(buf, p.ynz, yNonZero.length).set(yNonZero);
    this.lRuns = new Int32Array(buf, p.lRuns, s * (s + 4));
    this.uRuns = new Int32Array(buf, p.uRuns, s * (s + 4));
    this.lOff = new Int32Array(buf, p.lOff, s + 1);
    this.uOff = new Int32Array(buf, p.uOff, s + 1);
    this.leaves = new Int32Array(buf, p.leaves, 4 * groups);
    this.interiors = new Int32Array(buf, p.interiors, 4 * groups);
    new Int32Array(buf, p.ycell, yGroupCell.length).set(yGroupCell);
    new Int32Array(buf, p.gy, y.groupStart.length).set(y.groupStart);
    new Int32Array(buf, p.xcell, xGroupCell.length).set(xGroupCell);
    new Int32Array(buf, p.gx, x.groupStart.length).set(x.groupStart);
    new Int32Array(buf, p.fg, firstGroupStartGE.length).set(firstGroupStartGE);
  }

  /**
   * SamRunUpscaler.visit's row-group walk over the runs in lRuns / uRuns, for the rows [rFirst, rLast] that hold
   * L-runs: fills `interiors` and `leaves` and returns their counts (a view valid until the next call).
   */
  walk(rFirst: number, rLast: number): Int32Array {
    const p = this.p;
    this.ex.walk(
      rFirst, rLast,
      p.ycell, p.gy, this.y.groupStart.length - 1, this.y.k,
      p.xcell, p.gx, this.x.k, p.fg, this.s,
      p.lRuns, p.uRuns, p.lOff, p.uOff,
      p.bufA, p.bufB, p.bufC, p.ranges,
      p.interiors, p.leaves, p.walkOut,
    );
    return this.walkOut;
  }

  /**
   * Copies rows [rA, rA + rows) × columns [cA, cA + cols) of a window (`data[offset]` is cell (rA, cA), rows `stride`
   * cells apart) and records their L-runs (cells > lower) and U-runs (cells > upper) into lRuns / uRuns, with
   * lOff / uOff[rA … rA + rows]. Returns [first row, last row, least column, greatest column] of the L-runs (rows −1
   * when none) in a view valid until the next call, or null when a cell in some row's extent is NaN or +Infinity.
   */
  scanRuns(data: Float32Array, offset: number, rA: number, cA: number, rows: number, cols: number, stride: number, lower: number, upper: number): Int32Array | null {
    const p = this.p;
    const n = rows > 0 ? (rows - 1) * stride + cols : 0;
    this.heapF32.set(data.subarray(offset, offset + n), p.cells >> 2);
    this.rA = rA;
    this.cA = cA;
    this.stride = stride;
    this.rows = rows;
    this.cols = cols;
    const bad = this.ex.scanRuns(
      p.cells, rows, cols, stride, f32BelowOrEqual(lower), f32BelowOrEqual(upper),
      cA, p.ext, p.lRuns, p.uRuns, p.lOff + 4 * rA, p.uOff + 4 * rA, p.info,
    );
    return bad ? null : this.info;
  }

  /**
   * Cells [r0, r0 + rows) × [c0, c0 + cols) of the window scanned last, row after row, when its copy holds them all (a
   * view valid until the next call); null when some lie outside it.
   */
  gather(r0: number, rows: number, c0: number, cols: number): Float32Array | null {
    if (r0 < this.rA || r0 + rows > this.rA + this.rows || c0 < this.cA || c0 + cols > this.cA + this.cols) return null;
    const p = this.p;
    this.ex.gather(p.cells + 4 * ((r0 - this.rA) * this.stride + c0 - this.cA), this.stride, rows, cols, p.stage);
    return this.heapF32.subarray(p.stage >> 2, (p.stage >> 2) + rows * cols);
  }

  /**
   * The binary mask (logit > threshold) of the window scanned last into `out` (W × H, zero), from the `walk` just
   * done: its interiors filled, its leaves interpolated as SamRunUpscaler.mask does (same operations as `classifyLeaves`).
   */
  maskInto(interiorCount: number, leafCount: number, threshold: number, out: Uint8Array): void {
    if (interiorCount + leafCount === 0) return;
    const p = this.p;
    const W = this.x.outSize;
    this.ex.maskFill(
      p.cells, this.stride, this.rA, this.cA,
      p.interiors, interiorCount, p.leaves, leafCount,
      p.xs, p.xw, p.xnz, this.x.k,
      p.ys, p.yw, p.ynz, this.y.k,
      threshold, p.scratch, p.out, p.mask, W,
    );
    // the rows written: both lists are in row-group order
    const i32 = this.heapI32;
    const li = p.leaves >> 2;
    const ii = p.interiors >> 2;
    let y0 = Infinity;
    let y1 = -1;
    if (leafCount > 0) {
      y0 = i32[li];
      y1 = i32[li + 4 * (leafCount - 1) + 1];
    }
    if (interiorCount > 0) {
      y0 = Math.min(y0, i32[ii]);
      y1 = Math.max(y1, i32[ii + 4 * (interiorCount - 1) + 1]);
    }
    const from = p.mask + y0 * W;
    const to = p.mask + y1 * W;
    out.set(this.heapU8.subarray(from, to), y0 * W);
    this.heapU8.fill(0, from, to);
  }

  /**
   * Classifies `n` tap windows (ya, yb, xa, xb; in `leaves`, or this.leaves itself) of the window scanned last, with
   * the counts SamRunUpscaler.stats gives them, into `acc` (countLow, countHigh, area, x0, y0, x1, y1; box entries
   * −1 / 2³¹ − 1 when unset). Every window is interpolated (no min / max test first: see classifyLeaves in the .wat).
   */
  classifyLeaves(leaves: Int32Array, n: number, lo: number, hi: number, threshold: number, acc: Int32Array): void {
    const p = this.p;
    if (leaves !== this.leaves) this.heapI32.set(leaves.subarray(0, 4 * n), p.leaves >> 2);
    const o = p.out >> 2;
    const heap = this.heapI32;
    heap[o] = 0;
    heap[o + 1] = 0;
    heap[o + 2] = 0;
    heap[o + 3] = 0x7fffffff;
    heap[o + 4] = 0x7fffffff;
    heap[o + 5] = -1;
    heap[o + 6] = -1;
    this.ex.classifyLeaves(
      p.cells, this.stride, this.rA, this.cA,
      p.leaves, n,
      p.xs, p.xw, p.xnz, this.x.k,
      p.ys, p.yw, p.ynz, this.y.k,
      lo, hi, threshold,
      p.scratch, p.out,
    );
    for (let i = 0; i < 7; i++) acc[i] = heap[o + i];
  }
}
