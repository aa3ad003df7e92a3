import type { ComposedAxis } from '../mask-upscale';
import { lazyWasmModule } from '../../wasm/wasm-module';
import { KernelMemory, type SamPostExports, type WorkRegion } from './sam-post-memory';
import { SAM_POST_WASM_BASE64 } from './sam-post.wasm';

const kernels = lazyWasmModule(SAM_POST_WASM_BASE64);
/** this thread's instance of the module, shared by every geometry (undefined: not tried yet; null: unavailable) */
let sharedMemory: KernelMemory | null | undefined;

/** The thread's shared kernel memory (its decoder-batch arena), or null without WebAssembly SIMD. */
export function samPostMemory(): KernelMemory | null {
  if (sharedMemory === undefined) {
    const ex = kernels.instantiate<SamPostExports>();
    sharedMemory = ex ? new KernelMemory(ex, true) : null;
  }
  return sharedMemory;
}

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

type Layout = Record<
  'xs' | 'xw' | 'xnz' | 'ys' | 'yw' | 'ynz' | 'out' | 'info' | 'scratch' | 'cells' | 'ext' | 'lRuns' | 'uRuns' | 'lOff' | 'uOff' | 'leaves' | 'interiors' | 'ycell' | 'gy' | 'xcell' | 'gx' | 'fg' | 'bufA' | 'bufB' | 'bufC' | 'ranges' | 'walkOut' | 'stage' | 'mask',
  number
>;

/**
 * SamRunUpscaler's hot loops in WebAssembly (sam-post.wat), for one geometry. `scanRuns` finds each row's first and
 * last cell above the low bound of a candidate's reachable rows with SIMD and records the runs; `classifyLeaves`
 * classifies the boundary tap windows with the same float64 arithmetic as the JavaScript. The cells are read where
 * they are when they already lie in the module's memory (a decoder batch written into a buffer the thread's
 * KernelMemory lent), else copied in first (one native copy per candidate, at memory bandwidth).
 *
 * Every geometry of a thread shares one module instance (samPostMemory): its tables and scratch live in a work
 * region it shares with geometries no larger, written there again when another geometry used the region last. The
 * views below are remade when the memory grew (`sync`).
 */
export class SamPostKernels {
  /** per-row runs as SamRunUpscaler keeps them (views into the module's memory, indexed by absolute row) */
  lRuns!: Int32Array;
  uRuns!: Int32Array;
  lOff!: Int32Array;
  uOff!: Int32Array;
  /** tap windows for classifyLeaves: (ya, yb, xa, xb) each; room for every window of the output */
  leaves!: Int32Array;
  /** output rectangles whose taps are all above the upper bound (ya, yb, xa, xb), as `walk` lists them */
  interiors!: Int32Array;
  private readonly ex: SamPostExports;
  /** scanRuns' and walk's results (views made once per memory generation: they run once or twice a candidate) */
  private info!: Int32Array;
  private walkOut!: Int32Array;
  private readonly p: Layout;
  private readonly s: number;
  private readonly region: WorkRegion;
  private generation = -1;
  /** the tables, as they are written into the region (kept to write them again after another geometry used it) */
  private readonly tableData: readonly { readonly at: number; readonly data: Int32Array | Float64Array }[];
  /** the window scanned last: cell (r, c) is at cells + 4·((r − rA)·stride + c − cA) */
  private cells = 0;
  private rA = 0;
  private cA = 0;
  private stride = 0;
  /** rows and columns of that window */
  private rows = 0;
  private cols = 0;

  /**
   * The kernels for one geometry (`key` names it: equal keys, equal axes), null without WebAssembly SIMD. Kernels
   * are shared by every upscaler of that geometry — their state lives only within one synchronous call — and the
   * last few geometries are kept. When the thread's memory would have to grow while a decoder buffer is lent, the
   * kernels get a private module instance (not kept; they read every candidate through a copy).
   */
  static forGeometry(key: string, lowResSize: number, x: ComposedAxis, y: ComposedAxis, tables: WalkTables): SamPostKernels | null {
    const cached = instances.get(key);
    if (cached) {
      instances.delete(key);
      instances.set(key, cached);
      return cached;
    }
    const memory = samPostMemory();
    if (!memory) return null;
    const { p, bytes } = layout(lowResSize, x, y, tables);
    const region = memory.region(bytes);
    if (!region) {
      const ex = kernels.instantiate<SamPostExports>();
      if (!ex) return null;
      const own = new KernelMemory(ex, false);
      return new SamPostKernels(own, own.region(bytes) as WorkRegion, p, lowResSize, x, y, tables);
    }
    const k = new SamPostKernels(memory, region, p, lowResSize, x, y, tables);
    instances.set(key, k);
    if (instances.size > MAX_INSTANCES) instances.delete(instances.keys().next().value as string);
    return k;
  }

  private constructor(
    readonly memory: KernelMemory,
    region: WorkRegion,
    p: Layout,
    lowResSize: number,
    private readonly x: ComposedAxis,
    private readonly y: ComposedAxis,
    tables: WalkTables,
  ) {
    this.ex = memory.ex;
    this.s = lowResSize;
    this.region = region;
    const base = region.ptr;
    this.p = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v + base])) as Layout;
    const { xNonZero, yNonZero, xGroupCell, yGroupCell, firstGroupStartGE } = tables;
    // per output column: its non-zero taps' weights from the first one, and (first cell, count)
    const xw = new Float64Array(x.weights.length);
    const xnz = new Int32Array(xNonZero.length);
    for (let px = 0; px < x.outSize; px++) {
      const j0 = xNonZero[2 * px];
      const n = Math.max(0, xNonZero[2 * px + 1] - j0 + 1);
      for (let j = 0; j < n; j++) xw[px * x.k + j] = x.weights[px * x.k + j0 + j];
      xnz[2 * px] = x.start[px] + j0;
      xnz[2 * px + 1] = n;
    }
    const q = this.p;
    this.tableData = [
      { at: q.xs, data: Int32Array.from(x.start) },
      { at: q.xw, data: xw },
      { at: q.xnz, data: xnz },
      { at: q.ys, data: Int32Array.from(y.start) },
      { at: q.yw, data: Float64Array.from(y.weights) },
      { at: q.ynz, data: Int32Array.from(yNonZero) },
      { at: q.ycell, data: Int32Array.from(yGroupCell) },
      { at: q.gy, data: Int32Array.from(y.groupStart) },
      { at: q.xcell, data: Int32Array.from(xGroupCell) },
      { at: q.gx, data: Int32Array.from(x.groupStart) },
      { at: q.fg, data: Int32Array.from(firstGroupStartGE) },
    ];
    this.sync();
  }

  /**
   * Makes the region hold this geometry's tables (and a zero mask raster) and the views current; every entry point
   * calls it first.
   */
  sync(): void {
    const m = this.memory;
    const gen = m.refresh();
    if (gen !== this.generation) {
      this.generation = gen;
      const buf = m.heapU8.buffer;
      const p = this.p;
      const s = this.s;
      const groups = (this.x.groupStart.length - 1) * (this.y.groupStart.length - 1);
      this.info = new Int32Array(buf, p.info, 4);
      this.walkOut = new Int32Array(buf, p.walkOut, 2);
      this.lRuns = new Int32Array(buf, p.lRuns, s * (s + 4));
      this.uRuns = new Int32Array(buf, p.uRuns, s * (s + 4));
      this.lOff = new Int32Array(buf, p.lOff, s + 1);
      this.uOff = new Int32Array(buf, p.uOff, s + 1);
      this.leaves = new Int32Array(buf, p.leaves, 4 * groups);
      this.interiors = new Int32Array(buf, p.interiors, 4 * groups);
    }
    if (this.region.active !== this) {
      this.region.active = this;
      for (const t of this.tableData) {
        if (t.data instanceof Float64Array) new Float64Array(m.heapU8.buffer, t.at, t.data.length).set(t.data);
        else m.heapI32.set(t.data, t.at >> 2);
      }
      // maskInto's raster is zero between calls; another geometry's scratch may have overlapped it
      m.heapU8.fill(0, this.p.mask, this.p.mask + this.x.outSize * this.y.outSize);
    }
  }

  /**
   * SamRunUpscaler.visit's row-group walk over the runs in lRuns / uRuns, for the rows [rFirst, rLast] that hold
   * L-runs: fills `interiors` and `leaves` and returns their counts (a view valid until the next call).
   */
  walk(rFirst: number, rLast: number): Int32Array {
    this.sync();
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
   * Records the L-runs (cells > lower) and U-runs (cells > upper) of rows [rA, rA + rows) × columns [cA, cA + cols)
   * of a window (`data[offset]` is cell (rA, cA), rows `stride` cells apart) into lRuns / uRuns, with
   * lOff / uOff[rA … rA + rows] — reading the cells in place when `data` lies in the module's memory, else from a copy.
   * Returns [first row, last row, least column, greatest column] of the L-runs (rows −1 when none) in a view valid
   * until the next call, or null when a cell in some row's extent is NaN or +Infinity.
   */
  scanRuns(data: Float32Array, offset: number, rA: number, cA: number, rows: number, cols: number, stride: number, lower: number, upper: number): Int32Array | null {
    this.sync();
    const p = this.p;
    if (this.memory.holds(data)) {
      this.cells = data.byteOffset + 4 * offset;
    } else {
      const n = rows > 0 ? (rows - 1) * stride + cols : 0;
      this.memory.heapF32.set(data.subarray(offset, offset + n), p.cells >> 2);
      this.cells = p.cells;
    }
    this.rA = rA;
    this.cA = cA;
    this.stride = stride;
    this.rows = rows;
    this.cols = cols;
    const bad = this.ex.scanRuns(
      this.cells, rows, cols, stride, f32BelowOrEqual(lower), f32BelowOrEqual(upper),
      cA, p.ext, p.lRuns, p.uRuns, p.lOff + 4 * rA, p.uOff + 4 * rA, p.info,
    );
    return bad ? null : this.info;
  }

  /**
   * Cells [r0, r0 + rows) × [c0, c0 + cols) of the window scanned last, row after row, when it holds them all (a
   * view valid until the next call); null when some lie outside it.
   */
  gather(r0: number, rows: number, c0: number, cols: number): Float32Array | null {
    if (r0 < this.rA || r0 + rows > this.rA + this.rows || c0 < this.cA || c0 + cols > this.cA + this.cols) return null;
    this.sync();
    const p = this.p;
    this.ex.gather(this.cells + 4 * ((r0 - this.rA) * this.stride + c0 - this.cA), this.stride, rows, cols, p.stage);
    return this.memory.heapF32.subarray(p.stage >> 2, (p.stage >> 2) + rows * cols);
  }

  /**
   * The binary mask (logit > threshold) of the window scanned last into `out` (W × H, zero), from the `walk` just
   * done: its interiors filled, its leaves interpolated as SamRunUpscaler.mask does (same operations as `classifyLeaves`).
   */
  maskInto(interiorCount: number, leafCount: number, threshold: number, out: Uint8Array): void {
    if (interiorCount + leafCount === 0) return;
    this.sync();
    const p = this.p;
    const W = this.x.outSize;
    this.ex.maskFill(
      this.cells, this.stride, this.rA, this.cA,
      p.interiors, interiorCount, p.leaves, leafCount,
      p.xs, p.xw, p.xnz, this.x.k,
      p.ys, p.yw, p.ynz, this.y.k,
      threshold, p.scratch, p.out, p.mask, W,
    );
    // the rows written: both lists are in row-group order
    const i32 = this.memory.heapI32;
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
    const u8 = this.memory.heapU8;
    out.set(u8.subarray(from, to), y0 * W);
    u8.fill(0, from, to);
  }

  /**
   * Classifies `n` tap windows (ya, yb, xa, xb; in `leaves`, or this.leaves itself) of the window scanned last, with
   * the counts SamRunUpscaler.stats gives them, into `acc` (countLow, countHigh, area, x0, y0, x1, y1; box entries
   * −1 / 2³¹ − 1 when unset). Every window is interpolated (no min / max test first: see classifyLeaves in the .wat).
   */
  classifyLeaves(leaves: Int32Array, n: number, lo: number, hi: number, threshold: number, acc: Int32Array): void {
    this.sync();
    const p = this.p;
    const heap = this.memory.heapI32;
    if (leaves !== this.leaves) heap.set(leaves.subarray(0, 4 * n), p.leaves >> 2);
    const o = p.out >> 2;
    heap[o] = 0;
    heap[o + 1] = 0;
    heap[o + 2] = 0;
    heap[o + 3] = 0x7fffffff;
    heap[o + 4] = 0x7fffffff;
    heap[o + 5] = -1;
    heap[o + 6] = -1;
    this.ex.classifyLeaves(
      this.cells, this.stride, this.rA, this.cA,
      p.leaves, n,
      p.xs, p.xw, p.xnz, this.x.k,
      p.ys, p.yw, p.ynz, this.y.k,
      lo, hi, threshold,
      p.scratch, p.out,
    );
    for (let i = 0; i < 7; i++) acc[i] = heap[o + i];
  }
}

/** One geometry's regions, as byte offsets from its work region's start, and the bytes they span. */
function layout(s: number, x: ComposedAxis, y: ComposedAxis, tables: WalkTables): { p: Layout; bytes: number } {
  const groups = (x.groupStart.length - 1) * (y.groupStart.length - 1);
  let at = 0;
  const take = (bytes: number) => {
    const p = at;
    at = align8(at + bytes);
    return p;
  };
  const p: Layout = {
    xs: take(4 * x.outSize),
    xw: take(8 * x.weights.length),
    xnz: take(4 * tables.xNonZero.length),
    ys: take(4 * y.outSize),
    yw: take(8 * y.weights.length),
    ynz: take(4 * tables.yNonZero.length),
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
    ycell: take(4 * tables.yGroupCell.length),
    gy: take(4 * y.groupStart.length),
    xcell: take(4 * tables.xGroupCell.length),
    gx: take(4 * x.groupStart.length),
    fg: take(4 * tables.firstGroupStartGE.length),
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
  // the cells' whole-vector loads may read a few bytes past the window
  return { p, bytes: at + 64 };
}
