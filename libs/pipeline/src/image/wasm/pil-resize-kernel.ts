import { assertImageSize, PipelineError } from '../../errors/pipeline.errors';
import { coefficients, type Coefficients } from '../pil-resample';
import { assertRgbImage, type RgbImage } from '../rgb-image';
import { lazyWasmModule, type WasmMemory } from '../../wasm/wasm-module';
import { PIL_RESIZE_WASM_BASE64 } from './pil-resize.wasm';

interface Exports {
  memory: WasmMemory;
  resizeRows(...args: number[]): void;
}

const kernel = lazyWasmModule(PIL_RESIZE_WASM_BASE64);

/** Whether this runtime runs the kernel (WebAssembly with SIMD). @internal */
export function pilResizeWasmAvailable(): boolean {
  return kernel.module() !== null;
}

/**
 * the instance kept between calls: its memory holds one block's input rows, the ring, the tables and one output
 * block (about 1 MB for SAM at 1024; it grows with the widest image seen and never shrinks)
 */
let shared: Exports | null = null;
/** output floats per block: the block stays in cache between the kernel's stores and the copy into `out` */
const BLOCK_FLOATS = 3 * 8192;

const align16 = (n: number) => (n + 15) & ~15;

/** the taps of an axis that is not resized: each sample its own input sample, weight 2^22 (the sum is the byte) */
function identity(size: number): Coefficients {
  const first = new Int32Array(size);
  for (let i = 0; i < size; i++) first[i] = i;
  return { ksize: 1, first, count: new Int32Array(size).fill(1), weights: new Int32Array(size).fill(2 ** 22) };
}

/**
 * The table of pil-resize.wat's $hrowGroups for one axis, or null when some group of 4 output samples reaches beyond 5
 * input pixels from its first (downscaling) or a weight is negative: per group the first pixel's byte offset, then per
 * pair of taps the weights split into high and low 11 bits (i16 lanes: sample i's two taps at lanes 2i, 2i + 1) and
 * a byte swizzle per channel placing each tap's byte as the low byte of its i16 lane (0x80: a zero lane).
 */
function groupTable(c: Coefficients, outSize: number): { table: Uint8Array; pairs: number } | null {
  let maxCount = 0;
  for (let i = 0; i < outSize; i++) maxCount = Math.max(maxCount, c.count[i]);
  const pairs = Math.max(1, Math.ceil(maxCount / 2));
  const groups = Math.ceil(outSize / 4);
  const stride = 16 + 80 * pairs;
  const table = new Uint8Array(groups * stride);
  const view = new DataView(table.buffer);
  for (let g = 0; g < groups; g++) {
    let base = Infinity;
    for (let i = 4 * g; i < Math.min(outSize, 4 * g + 4); i++) if (c.count[i] > 0) base = Math.min(base, c.first[i]);
    if (base === Infinity) base = 0;
    const e = g * stride;
    view.setInt32(e, 3 * base, true);
    table.fill(0x80, e + 16, e + stride);
    for (let j = 0; j < pairs; j++) {
      const h = e + 16 + 80 * j;
      for (let q = 0; q < 8; q++) {
        view.setInt16(h + 2 * q, 0, true);
        view.setInt16(h + 16 + 2 * q, 0, true);
      }
    }
    for (let i = 4 * g; i < Math.min(outSize, 4 * g + 4); i++) {
      const lane = i - 4 * g;
      const n = c.count[i];
      if (n > 0 && c.first[i] + n - base > 5) return null;
      for (let t = 0; t < n; t++) {
        const w = c.weights[i * c.ksize + t];
        if (w < 0) return null;
        const h = e + 16 + 80 * (t >> 1);
        const q = 2 * lane + (t & 1);
        view.setInt16(h + 2 * q, w >> 11, true);
        view.setInt16(h + 16 + 2 * q, w & 2047, true);
        for (let ch = 0; ch < 3; ch++) {
          table[h + 32 + 16 * ch + 2 * q] = 3 * (c.first[i] + t - base) + ch;
        }
      }
    }
  }
  return { table, pairs };
}

/**
 * resizePilBilinearPlanar with the normalisation table's formula instead of its table: byte v of channel c becomes
 * the float32 of (v·scale − mean[c]) · (1 / std[c]) (normalizeTable's entries, computed with the same float64
 * operations), at out[c·outW·outH + y·outW + x]; the rest of `out` is left as it is. The resize and normalisation
 * run in WebAssembly SIMD (pil-resize.wat) block by block of output rows, each block copied from the module's memory
 * into `out` while it is in cache. Returns false, touching nothing, where WebAssembly SIMD is unavailable. Throws as
 * resizePilBilinearPlanar does on bad sizes.
 * @internal
 */
export function resizePilBilinearPlanarWasm(
  image: RgbImage,
  width: number,
  height: number,
  scale: number,
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
  out: Float32Array,
  outW: number,
  outH: number,
): boolean {
  assertRgbImage('image', image);
  assertImageSize(width, height);
  if (width > outW || height > outH || out.length < 3 * outW * outH) {
    throw new PipelineError('INVALID_SHAPE', `a ${width}×${height} resize does not fit [3, ${outH}, ${outW}] (${out.length} values)`);
  }
  if (!kernel.module()) return false;
  const inW = image.width;
  const inH = image.height;
  const hc = width === inW ? identity(width) : coefficients(inW, width);
  const vc = height === inH ? identity(height) : coefficients(inH, height);
  let ringSize = 1;
  for (let yy = 0; yy < height; yy++) ringSize = Math.max(ringSize, vc.count[yy]);
  const grouped = groupTable(hc, width);
  const pad = align16(width);
  const blockRows = Math.max(1, Math.min(height, Math.floor(BLOCK_FLOATS / (3 * width))));
  // the input rows a block's taps read: copied in per block, not the whole image (a large image copied whole is
  // fresh module memory, a page fault per 4 KB)
  const inStride = inW * 3;
  const rowsTo = (yy0: number) => {
    let to = 0;
    for (let yy = yy0; yy < Math.min(height, yy0 + blockRows); yy++) to = Math.max(to, vc.first[yy] + vc.count[yy]);
    return to;
  };
  const rowsFrom = (yy0: number) => {
    let from = inH;
    for (let yy = yy0; yy < Math.min(height, yy0 + blockRows); yy++) if (vc.count[yy] > 0) from = Math.min(from, vc.first[yy]);
    return Math.min(from, rowsTo(yy0));
  };
  let blockInputRows = 1;
  for (let yy0 = 0; yy0 < height; yy0 += blockRows) blockInputRows = Math.max(blockInputRows, rowsTo(yy0) - rowsFrom(yy0));
  let at = 0;
  const take = (bytes: number) => {
    const p = at;
    at = align16(at + bytes);
    return p;
  };
  const p = {
    // 16 bytes more: $hrowGroups loads 16 bytes from a group's first pixel
    src: take(blockInputRows * inStride + 16),
    hTable: take(grouped ? grouped.table.length : 0),
    hFirst: take(4 * width),
    hCount: take(4 * width),
    hWeights: take(4 * hc.weights.length),
    vFirst: take(4 * height),
    vCount: take(4 * height),
    vWeights: take(4 * vc.weights.length),
    ring: take(ringSize * 3 * pad),
    ringRow: take(4 * ringSize),
    taps: take(4 * vc.ksize),
    out: take(4 * 3 * blockRows * width),
  };
  shared ??= kernel.instantiate<Exports>() as Exports;
  const ex = shared;
  const have = ex.memory.buffer.byteLength;
  if (at > have) ex.memory.grow(Math.ceil((at - have) / 65536));
  const buf = ex.memory.buffer;
  const src = new Uint8Array(buf, p.src, blockInputRows * inStride);
  if (grouped) new Uint8Array(buf, p.hTable, grouped.table.length).set(grouped.table);
  new Int32Array(buf, p.hFirst, width).set(hc.first);
  new Int32Array(buf, p.hCount, width).set(hc.count);
  new Int32Array(buf, p.hWeights, hc.weights.length).set(hc.weights);
  new Int32Array(buf, p.vFirst, height).set(vc.first);
  new Int32Array(buf, p.vCount, height).set(vc.count);
  new Int32Array(buf, p.vWeights, vc.weights.length).set(vc.weights);
  new Int32Array(buf, p.ringRow, ringSize).fill(-1);
  const heap = new Float32Array(buf);
  const plane = outW * outH;
  const blockPlane = blockRows * width;
  for (let yy0 = 0; yy0 < height; yy0 += blockRows) {
    const yy1 = Math.min(height, yy0 + blockRows);
    const r0 = rowsFrom(yy0);
    src.set(image.data.subarray(r0 * inStride, rowsTo(yy0) * inStride));
    ex.resizeRows(
      // input row r at (p.src − r0·inStride) + r·inStride: the module's i32 address arithmetic wraps
      (p.src - r0 * inStride) | 0, inStride, width,
      p.hFirst, p.hCount, p.hWeights, hc.ksize, p.hTable, grouped ? grouped.pairs : 0,
      p.vFirst, p.vCount, p.vWeights, vc.ksize,
      p.ring, p.ringRow, ringSize, pad, p.taps,
      yy0, yy1, p.out, blockPlane,
      scale, mean[0], mean[1], mean[2], 1 / std[0], 1 / std[1], 1 / std[2],
    );
    const rows = yy1 - yy0;
    for (let c = 0; c < 3; c++) {
      const s = (p.out >> 2) + c * blockPlane;
      const d = c * plane + yy0 * outW;
      if (width === outW) {
        out.set(heap.subarray(s, s + rows * width), d);
      } else {
        for (let r = 0; r < rows; r++) out.set(heap.subarray(s + r * width, s + (r + 1) * width), d + r * outW);
      }
    }
  }
  return true;
}
