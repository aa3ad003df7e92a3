import type { ComposedAxis } from '../mask-upscale';
import { SAM_POST_WASM_BASE64 } from './sam-post.wasm';

/** The part of the WebAssembly JS API used here (the workspace compiles without the DOM typings that declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}

interface Exports {
  memory: WasmMemory;
  rowExtents(ptr: number, rows: number, cols: number, stride: number, lower: number, out: number): number;
  classifyLeaves(...args: number[]): void;
}

/** The WebAssembly API, or undefined where the runtime has none. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

let compiledModule: object | null | undefined;

function compiled(): object | null {
  if (compiledModule !== undefined) return compiledModule;
  const api = wasmApi();
  try {
    const bytes = Buffer.from(SAM_POST_WASM_BASE64, 'base64');
    compiledModule = api && api.validate(bytes) ? new api.Module(bytes) : null;
  } catch {
    compiledModule = null;
  }
  return compiledModule;
}

/**
 * The largest float32 ≤ x: for every float32 v, v ≤ x ⇔ v ≤ f32BelowOrEqual(x), so the module compares in float32
 * what the JavaScript compares in float64.
 */
export function f32BelowOrEqual(x: number): number {
  const f = Math.fround(x);
  if (!(f > x)) return f;
  if (f === 0) return -(2 ** -149);
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, f);
  view.setInt32(0, view.getInt32(0) + (f > 0 ? -1 : 1));
  return view.getFloat32(0);
}

const align8 = (n: number) => (n + 7) & ~7;

/**
 * SamRunUpscaler's two hot loops in WebAssembly (sam-post.wat), for one geometry. `scan` copies a candidate's
 * reachable rows into the module's memory (one native copy at memory bandwidth) and finds each row's first and last
 * cell above the low bound with SIMD; `classifyLeaves` then classifies the boundary tap windows on that copy with
 * the same float64 arithmetic as the JavaScript. Memory layout: the axis tables, the accumulators, the tap-row
 * scratch, then the cells, the row extents and the leaves (grown on demand).
 */
export class SamPostKernels {
  private readonly ex: Exports;
  private heapF32!: Float32Array;
  private heapI32!: Int32Array;
  private readonly xs: number;
  private readonly xw: number;
  private readonly xnz: number;
  private readonly ys: number;
  private readonly yw: number;
  private readonly ynz: number;
  private readonly out: number;
  private readonly scratch: number;
  private readonly cellsPtr: number;
  private extentsPtr = 0;
  private leavesPtr = 0;
  /** the window scanned last: cell (r, c) is at cellsPtr + 4·((r − rA)·stride + c − cA) */
  private rA = 0;
  private cA = 0;
  private stride = 0;

  /** null without WebAssembly SIMD */
  static create(x: ComposedAxis, y: ComposedAxis, xNonZero: Int32Array, yNonZero: Int32Array): SamPostKernels | null {
    const m = compiled();
    const api = wasmApi();
    return m && api ? new SamPostKernels(new api.Instance(m).exports as Exports, x, y, xNonZero, yNonZero) : null;
  }

  private constructor(
    ex: Exports,
    private readonly x: ComposedAxis,
    private readonly y: ComposedAxis,
    xNonZero: Int32Array,
    yNonZero: Int32Array,
  ) {
    this.ex = ex;
    let at = 0;
    const take = (bytes: number) => {
      const p = at;
      at = align8(at + bytes);
      return p;
    };
    this.xs = take(4 * x.outSize);
    this.xw = take(8 * x.weights.length);
    this.xnz = take(4 * xNonZero.length);
    this.ys = take(4 * y.outSize);
    this.yw = take(8 * y.weights.length);
    this.ynz = take(4 * yNonZero.length);
    this.out = take(4 * 7);
    this.scratch = take(8 * y.k * x.outSize);
    this.cellsPtr = at;
    this.ensure(at);
    new Int32Array(this.ex.memory.buffer, this.xs, x.outSize).set(x.start);
    new Float64Array(this.ex.memory.buffer, this.xw, x.weights.length).set(x.weights);
    new Int32Array(this.ex.memory.buffer, this.xnz, xNonZero.length).set(xNonZero);
    new Int32Array(this.ex.memory.buffer, this.ys, y.outSize).set(y.start);
    new Float64Array(this.ex.memory.buffer, this.yw, y.weights.length).set(y.weights);
    new Int32Array(this.ex.memory.buffer, this.ynz, yNonZero.length).set(yNonZero);
  }

  private ensure(bytes: number): void {
    const have = this.ex.memory.buffer.byteLength;
    if (bytes > have) this.ex.memory.grow(Math.ceil((bytes - have) / 65536));
    if (this.heapF32?.buffer !== this.ex.memory.buffer) {
      this.heapF32 = new Float32Array(this.ex.memory.buffer);
      this.heapI32 = new Int32Array(this.ex.memory.buffer);
    }
  }

  /**
   * Copies rows [rA, rA + rows) × columns [cA, cA + cols) of a window (`data[offset]` is cell (rA, cA), rows
   * `stride` cells apart) and returns per row the first and last column offset (from cA) whose cell is not ≤ `lower`
   * (NaN included), or −1, −1. The view is valid until the next call.
   */
  scan(data: Float32Array, offset: number, rA: number, cA: number, rows: number, cols: number, stride: number, lower: number): Int32Array {
    const n = rows > 0 ? (rows - 1) * stride + cols : 0;
    this.extentsPtr = align8(this.cellsPtr + 4 * n);
    this.leavesPtr = this.extentsPtr + 8 * rows;
    this.ensure(this.leavesPtr);
    this.heapF32.set(data.subarray(offset, offset + n), this.cellsPtr >> 2);
    this.rA = rA;
    this.cA = cA;
    this.stride = stride;
    this.ex.rowExtents(this.cellsPtr, rows, cols, stride, f32BelowOrEqual(lower), this.extentsPtr);
    return this.heapI32.subarray(this.extentsPtr >> 2, (this.extentsPtr >> 2) + 2 * rows);
  }

  /**
   * Classifies `n` tap windows (ya, yb, xa, xb) of the window scanned last, as
   * SamRunUpscaler.stats does, into `acc` (countLow, countHigh, area, x0, y0, x1, y1; box entries −1 / 2³¹ − 1 when unset).
   */
  classifyLeaves(leaves: Int32Array, n: number, lo: number, hi: number, threshold: number, eps: number, acc: Int32Array): void {
    this.ensure(this.leavesPtr + 16 * n);
    this.heapI32.set(leaves.subarray(0, 4 * n), this.leavesPtr >> 2);
    const o = this.out >> 2;
    const heap = this.heapI32;
    heap[o] = 0;
    heap[o + 1] = 0;
    heap[o + 2] = 0;
    heap[o + 3] = 0x7fffffff;
    heap[o + 4] = 0x7fffffff;
    heap[o + 5] = -1;
    heap[o + 6] = -1;
    this.ex.classifyLeaves(
      this.cellsPtr, this.stride, this.rA, this.cA,
      this.leavesPtr, n,
      this.xs, this.xw, this.xnz, this.x.k,
      this.ys, this.yw, this.ynz, this.y.k,
      lo, hi, threshold,
      lo - eps, lo + eps, hi - eps, threshold + eps, threshold - eps,
      this.scratch, this.out,
    );
    for (let i = 0; i < 7; i++) acc[i] = heap[o + i];
  }
}
