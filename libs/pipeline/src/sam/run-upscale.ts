import { assertLength, PipelineError } from '../errors/pipeline.errors';
import { composeAxis, type ComposedAxis, type UpscaleStats } from './mask-upscale';
import type { SamGeometry } from './sam-geometry';
import { SamPostKernels } from './wasm/sam-post-kernels';

// margin for classifying a window from its taps' range; exact evaluation decides anything closer (as SamMaskUpscaler)
const EPS = 1e-6;

/**
 * A rectangle of a low-res S×S logit plane: cell (r, c) is `data[(r − row0)·stride + c − col0]` for r in
 * [row0, row0 + rows), c in [col0, col0 + cols); cells outside are below every threshold and never read.
 */
export interface LowResWindow {
  readonly data: Float32Array;
  readonly stride: number;
  readonly row0: number;
  readonly col0: number;
  readonly rows: number;
  readonly cols: number;
}

/**
 * The fast path of SAM's low-res → image upscaling for post-processing (same results as SamMaskUpscaler, which
 * stays as the reference the tests compare with). One pass over the low-res cells that any output pixel reads
 * records, per low-res row, the runs of cells above a low bound L and above a high bound U; everything after works
 * on those runs. For one group of output rows (one vertical tap window), an output column group whose taps all lie
 * in the intersection of the rows' U-runs is decided "above" in O(1) per run, one whose taps meet no L-run is
 * skipped, and only the few column groups at run ends (the mask's boundary) are interpolated — with exactly the
 * arithmetic of SamMaskUpscaler, so every pixel is classified identically.
 *
 * Cells no output pixel reads (SAM's padding beyond the resized extent) are never read. NaN and +Infinity in the
 * cells read throw INVALID_VALUE; −Infinity reads as "below everything", as torch's comparisons treat it.
 *
 * Where WebAssembly SIMD is available (Node ≥ 16.4), the scan, the row-group walk and the boundary classification
 * of `stats` run in SamPostKernels (wasm/sam-post.wat) — on the cells where they are when the plane lies in the
 * kernels' memory (a buffer `lend` gave the decoder), else on a copy of the reachable rows — the same results, tested
 * against this JavaScript (`simd: false`) and the reference.
 */
export class SamRunUpscaler {
  readonly x: ComposedAxis;
  readonly y: ComposedAxis;
  /** low-res rows / columns any output pixel reads: [0, reachRows) × [0, reachCols) */
  readonly reachRows: number;
  readonly reachCols: number;
  /** tap window start per column group / row group */
  private readonly xGroupCell: Int32Array;
  private readonly yGroupCell: Int32Array;
  /** firstGroupStartGE[c] = first column group whose window starts at a cell ≥ c, for c in [0, S + 1] */
  private readonly firstGroupStartGE: Int32Array;
  /** per-row runs: [a, b] inclusive pairs, rows' slices by offsets */
  private lRuns: Int32Array;
  private uRuns: Int32Array;
  private lOff: Int32Array;
  private uOff: Int32Array;
  /** scratch for the union / intersection of a row group's runs */
  private readonly bufA: Int32Array;
  private readonly bufB: Int32Array;
  private readonly bufC: Int32Array;
  private readonly ranges: Int32Array;
  private interiors: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private leaves: Int32Array<ArrayBuffer>;
  private interiorCount = 0;
  private leafCount = 0;
  /** per output column: first and last tap with non-zero weight */
  private readonly xNonZero: Int32Array;
  /** per output row: first and last tap row with non-zero weight */
  private readonly yNonZero: Int32Array;
  /** countLow, countHigh, area, x0, y0, x1, y1 of the blocks classified so far (stats) */
  private readonly acc = new Float64Array(7);
  private readonly block: Float64Array;
  private readonly rowsScratch: Float64Array;
  /** rows with at least one L-run after the last scan: [first, last], and the column extent */
  private rowFirst = 0;
  private rowLast = -1;
  private colFirst = 0;
  private colLast = -1;
  /** the scan's background skip and the boundary classification in WebAssembly; null when unavailable or off */
  private readonly kernels: SamPostKernels | null;
  /** whether the last scan copied its window into the kernels' memory (stats then classifies there) */
  private scannedInKernels = false;
  private readonly leafAcc = new Int32Array(7);

  /** `simd: false` runs everything in JavaScript (same results; for comparison and where WebAssembly SIMD is missing) */
  constructor(
    readonly geometry: SamGeometry,
    options: { simd?: boolean } = {},
  ) {
    const g = geometry;
    const s = g.lowResSize;
    this.x = composeAxis(s, g.inputSize, g.resizedWidth, g.width);
    this.y = composeAxis(s, g.inputSize, g.resizedHeight, g.height);
    const cells = (axis: ComposedAxis) => Int32Array.from(axis.groupStart.subarray(0, axis.groupStart.length - 1), (o) => axis.start[o]);
    this.xGroupCell = cells(this.x);
    this.yGroupCell = cells(this.y);
    this.reachCols = Math.min(s, this.xGroupCell[this.xGroupCell.length - 1] + this.x.k);
    this.reachRows = Math.min(s, this.yGroupCell[this.yGroupCell.length - 1] + this.y.k);
    this.firstGroupStartGE = new Int32Array(s + 2);
    let gi = 0;
    for (let c = 0; c <= s + 1; c++) {
      while (gi < this.xGroupCell.length && this.xGroupCell[gi] < c) gi++;
      this.firstGroupStartGE[c] = gi;
    }
    const perRow = s + 4;
    this.bufA = new Int32Array(perRow * 2);
    this.bufB = new Int32Array(perRow * 2);
    this.bufC = new Int32Array(perRow * 2);
    this.ranges = new Int32Array(perRow * 2);
    const maxGroup = (axis: ComposedAxis) => {
      let m = 1;
      for (let i = 0; i + 1 < axis.groupStart.length; i++) m = Math.max(m, axis.groupStart[i + 1] - axis.groupStart[i]);
      return m;
    };
    this.xNonZero = new Int32Array(2 * g.width);
    for (let px = 0; px < g.width; px++) {
      let j0 = this.x.k;
      let j1 = -1;
      for (let j = 0; j < this.x.k; j++) {
        if (this.x.weights[px * this.x.k + j] !== 0) {
          j0 = Math.min(j0, j);
          j1 = j;
        }
      }
      this.xNonZero[2 * px] = j0;
      this.xNonZero[2 * px + 1] = j1;
    }
    const bw = maxGroup(this.x);
    // boundary blocks of adjacent column groups are interpolated together: up to a whole output row wide
    void bw;
    this.block = new Float64Array(maxGroup(this.y) * g.width);
    this.rowsScratch = new Float64Array(this.y.k * g.width);
    this.yNonZero = new Int32Array(2 * g.height);
    for (let py = 0; py < g.height; py++) {
      let i0 = this.y.k;
      let i1 = -1;
      for (let i = 0; i < this.y.k; i++) {
        if (this.y.weights[py * this.y.k + i] !== 0) {
          i0 = Math.min(i0, i);
          i1 = i;
        }
      }
      this.yNonZero[2 * py] = i0;
      this.yNonZero[2 * py + 1] = i1;
    }
    const key = `${g.width}×${g.height} ${g.resizedWidth}×${g.resizedHeight} ${g.inputSize} ${s}`;
    const tables = {
      xNonZero: this.xNonZero,
      yNonZero: this.yNonZero,
      xGroupCell: this.xGroupCell,
      yGroupCell: this.yGroupCell,
      firstGroupStartGE: this.firstGroupStartGE,
    };
    const kernels = options.simd === false ? null : SamPostKernels.forGeometry(key, s, this.x, this.y, tables);
    this.kernels = kernels;
    // with the kernels, the runs and the leaves live in their memory (no copies in or out)
    this.lRuns = kernels?.lRuns ?? new Int32Array(s * perRow);
    this.uRuns = kernels?.uRuns ?? new Int32Array(s * perRow);
    this.lOff = kernels?.lOff ?? new Int32Array(s + 1);
    this.uOff = kernels?.uOff ?? new Int32Array(s + 1);
    this.leaves = kernels ? (kernels.leaves as Int32Array<ArrayBuffer>) : new Int32Array(1024);
    if (kernels) this.interiors = kernels.interiors as Int32Array<ArrayBuffer>;
  }

  /**
   * A buffer of `floats` float32 in the WebAssembly kernels' memory that `stats` reads in place (no copy of a
   * candidate's cells into the module), for a decoder to write its low-res logits into; null without the kernels or
   * when none is free. Give it back with `giveBack`.
   */
  lend(floats: number): Float32Array | null {
    return this.kernels ? this.kernels.memory.lend(floats) : null;
  }

  /** Takes back a buffer `lend` returned. */
  giveBack(data: Float32Array): void {
    this.kernels?.memory.giveBack(data);
  }

  /** The whole S×S plane as a window. */
  plane(low: Float32Array): LowResWindow {
    const s = this.geometry.lowResSize;
    assertLength('low-res logits', low.length, s * s, `[${s}, ${s}]`);
    return { data: low, stride: s, row0: 0, col0: 0, rows: s, cols: s };
  }

  /**
   * Records the L-runs (cells > lower) and U-runs (cells > upper, upper ≥ lower) of every reachable row of the
   * window. Throws on NaN / +Infinity in a cell read.
   */
  private scan(w: LowResWindow, upper: number, lower: number): void {
    const s = this.geometry.lowResSize;
    const { data, stride, row0, col0 } = w;
    const rA = Math.max(0, row0);
    const rB = Math.min(this.reachRows, row0 + w.rows);
    const cA = Math.max(0, col0);
    const cB = Math.min(this.reachCols, col0 + w.cols);
    const lRuns = this.lRuns;
    const uRuns = this.uRuns;
    const lOff = this.lOff;
    const uOff = this.uOff;
    let nl = 0;
    let nu = 0;
    let firstRow = -1;
    let lastRow = -1;
    let minCol = s;
    let maxCol = -1;
    for (let r = 0; r < rA; r++) {
      lOff[r] = 0;
      uOff[r] = 0;
    }
    this.scannedInKernels = false;
    if (this.kernels && rB > rA && cB > cA) {
      // SIMD skip of the background and the runs in WebAssembly, on a copy the boundary classification reuses
      const info = this.kernels.scanRuns(data, (rA - row0) * stride + cA - col0, rA, cA, rB - rA, cB - cA, stride, lower, upper);
      if (info) {
        nl = lOff[rB];
        nu = uOff[rB];
        for (let r = rB + 1; r <= s; r++) {
          lOff[r] = nl;
          uOff[r] = nu;
        }
        this.scannedInKernels = true;
        const none = info[0] < 0;
        this.rowFirst = none ? -1 : rA + info[0];
        this.rowLast = none ? -1 : rA + info[1];
        this.colFirst = none ? s : info[2];
        this.colLast = none ? -1 : info[3];
        return;
      }
      // a NaN or +Infinity: the scan below finds it and says where
    }
    for (let r = rA; r < rB; r++) {
      lOff[r] = nl;
      uOff[r] = nu;
      // o + c indexes data for absolute column c
      const o = (r - row0) * stride - col0;
      let c = cA;
      const cEnd = cB;
      const rowStart = nl;
      for (;;) {
        // background: the common case, one compare per cell (NaN stops it too), four at a time
        while (c + 4 <= cEnd && data[o + c] <= lower && data[o + c + 1] <= lower && data[o + c + 2] <= lower && data[o + c + 3] <= lower) c += 4;
        while (c < cEnd && data[o + c] <= lower) c++;
        if (c >= cEnd) break;
        let v = data[o + c];
        if (!(v > lower)) throw nonFinite(r, c, v);
        const a = c;
        while (c < cEnd) {
          v = data[o + c];
          if (v > upper) {
            const ua = c;
            c++;
            while (c < cEnd && (v = data[o + c]) > upper) {
              if (v === Infinity) throw nonFinite(r, c, v);
              c++;
            }
            if (data[o + ua] === Infinity) throw nonFinite(r, ua, Infinity);
            uRuns[nu++] = ua;
            uRuns[nu++] = c - 1;
            continue;
          }
          if (!(v > lower)) break;
          c++;
        }
        lRuns[nl++] = a;
        lRuns[nl++] = c - 1;
        if (c < cEnd && !(data[o + c] <= lower)) throw nonFinite(r, c, data[o + c]);
      }
      if (nl > rowStart) {
        if (firstRow < 0) firstRow = r;
        lastRow = r;
        if (lRuns[rowStart] < minCol) minCol = lRuns[rowStart];
        if (lRuns[nl - 1] > maxCol) maxCol = lRuns[nl - 1];
      }
    }
    for (let r = rB; r <= s; r++) {
      lOff[r] = nl;
      uOff[r] = nu;
    }
    if (rB < rA) {
      for (let r = 0; r <= s; r++) {
        lOff[r] = 0;
        uOff[r] = 0;
      }
    }
    this.rowFirst = firstRow;
    this.rowLast = lastRow;
    this.colFirst = minCol;
    this.colLast = maxCol;
  }

  /**
   * The row group's merged column-group ranges that meet an L-run (into `ranges`, pairs [g0, g1)) and the column
   * ranges all of whose rows are in a U-run (into `bufC`, inclusive pairs). Returns #ranges | #interior runs << 16.
   */
  private rowGroup(sy: number, ky: number): number {
    const kx = this.x.k;
    const lRuns = this.lRuns;
    const uRuns = this.uRuns;
    const lOff = this.lOff;
    const uOff = this.uOff;
    const s = this.geometry.lowResSize;
    const rEnd = Math.min(s, sy + ky);
    // union of L-runs (sorted merge of the rows' lists)
    let a = this.bufA;
    let b = this.bufB;
    let na = 0;
    for (let r = sy; r < rEnd; r++) {
      const from = lOff[r];
      const to = lOff[r + 1];
      if (to === from) continue;
      if (na === 0) {
        for (let i = from; i < to; i++) a[na++] = lRuns[i];
        continue;
      }
      let i = 0;
      let j = from;
      let nb = 0;
      while (i < na || j < to) {
        let lo: number;
        let hi: number;
        if (j >= to || (i < na && a[i] <= lRuns[j])) {
          lo = a[i];
          hi = a[i + 1];
          i += 2;
        } else {
          lo = lRuns[j];
          hi = lRuns[j + 1];
          j += 2;
        }
        if (nb > 0 && lo <= b[nb - 1] + 1) {
          if (hi > b[nb - 1]) b[nb - 1] = hi;
        } else {
          b[nb++] = lo;
          b[nb++] = hi;
        }
      }
      const t = a;
      a = b;
      b = t;
      na = nb;
    }
    if (na === 0) return 0;
    // column groups whose window [cell, cell + kx − 1] meets a union run, merged where runs share a group
    const fg = this.firstGroupStartGE;
    const ranges = this.ranges;
    let nr = 0;
    for (let i = 0; i < na; i += 2) {
      const g0 = fg[Math.max(0, a[i] - kx + 1)];
      const g1 = fg[a[i + 1] + 1];
      if (g0 >= g1) continue;
      if (nr > 0 && g0 <= ranges[nr - 1]) {
        if (g1 > ranges[nr - 1]) ranges[nr - 1] = g1;
      } else {
        ranges[nr++] = g0;
        ranges[nr++] = g1;
      }
    }
    // intersection of U-runs over every row of the window (a row outside the scan has none)
    const out = this.bufC;
    let nc = 0;
    let first = true;
    for (let r = sy; r < sy + ky; r++) {
      const from = r < s ? uOff[r] : 0;
      const to = r < s ? uOff[r + 1] : 0;
      if (to === from) return nr;
      if (first) {
        for (let i = from; i < to; i++) out[nc++] = uRuns[i];
        first = false;
        continue;
      }
      let i = 0;
      let j = from;
      let nb = 0;
      const tmp = this.bufA;
      while (i < nc && j < to) {
        const lo = Math.max(out[i], uRuns[j]);
        const hi = Math.min(out[i + 1], uRuns[j + 1]);
        if (lo <= hi) {
          tmp[nb++] = lo;
          tmp[nb++] = hi;
        }
        if (out[i + 1] < uRuns[j + 1]) i += 2;
        else j += 2;
      }
      for (let k = 0; k < nb; k++) out[k] = tmp[k];
      nc = nb;
      if (nc === 0) return nr;
    }
    return nr | (nc << 16);
  }

  /**
   * Interpolates output block [ya, yb) × [xa, xb) (one tap window) into `this.block`, as
   * SamMaskUpscaler.interpolateBlock does (same operations in the same order).
   */
  private interpolateBlock(w: LowResWindow, ya: number, yb: number, xa: number, xb: number): void {
    const kx = this.x.k;
    const ky = this.y.k;
    const xw = this.x.weights;
    const yw = this.y.weights;
    const xnz = this.xNonZero;
    const ynz = this.yNonZero;
    const xstart = this.x.start;
    const bw = xb - xa;
    const sy = this.y.start[ya];
    const h = this.rowsScratch;
    const low = w.data;
    // tap rows with weight for some output row of the block (the others are skipped below as well)
    let iFirst = ky;
    let iLast = -1;
    for (let py = ya; py < yb; py++) {
      if (ynz[2 * py] < iFirst) iFirst = ynz[2 * py];
      if (ynz[2 * py + 1] > iLast) iLast = ynz[2 * py + 1];
    }
    for (let i = iFirst; i <= iLast; i++) {
      const row = (sy + i - w.row0) * w.stride - w.col0;
      const hb = i * bw - xa;
      for (let px = xa; px < xb; px++) {
        // zero-weight taps add exactly 0: skipping them leaves every sum bit-identical
        let acc = 0;
        const wi = px * kx;
        const p = row + xstart[px];
        const j1 = xnz[2 * px + 1];
        for (let j = xnz[2 * px]; j <= j1; j++) acc += xw[wi + j] * low[p + j];
        h[hb + px] = acc;
      }
    }
    const out = this.block;
    for (let py = ya; py < yb; py++) {
      const o = (py - ya) * bw;
      for (let c = 0; c < bw; c++) out[o + c] = 0;
      for (let i = iFirst; i <= iLast; i++) {
        const wy = yw[py * ky + i];
        if (wy === 0) continue;
        const hi = i * bw;
        for (let c = 0; c < bw; c++) out[o + c] += wy * h[hi + c];
      }
    }
  }

  /** Interpolates a block and adds its exact counts, area and box to `this.acc` (stats). */
  private classifyBlock(w: LowResWindow, ya: number, yb: number, xa: number, xb: number, lo: number, hi: number, threshold: number): void {
    this.interpolateBlock(w, ya, yb, xa, xb);
    const block = this.block;
    const a = this.acc;
    let countLow = 0;
    let countHigh = 0;
    let area = 0;
    let x0 = a[3];
    let y0 = a[4];
    let x1 = a[5];
    let y1 = a[6];
    const bw = xb - xa;
    for (let py = ya; py < yb; py++) {
      const o = (py - ya) * bw;
      for (let c = 0; c < bw; c++) {
        const v = block[o + c];
        if (v > lo) {
          countLow++;
          if (v > hi) countHigh++;
          if (v > threshold) {
            area++;
            const px = xa + c;
            if (px < x0) x0 = px;
            if (px > x1) x1 = px;
            if (py < y0) y0 = py;
            if (py > y1) y1 = py;
          }
        }
      }
    }
    a[0] += countLow;
    a[1] += countHigh;
    a[2] += area;
    a[3] = x0;
    a[4] = y0;
    a[5] = x1;
    a[6] = y1;
  }

  /**
   * Lists the output's pixel rectangles whose taps are all > upper (`interiors`: ya, yb, xa, xb) and the single tap
   * windows that need a closer look (`leaves`: ya, yb, xa, xb); every other pixel is ≤ lower.
   */
  private visit(w: LowResWindow, upper: number, lower: number): void {
    const k = this.kernels;
    if (k) {
      // the kernels' views are remade when their memory grew (between calls, never during one)
      k.sync();
      this.lRuns = k.lRuns;
      this.uRuns = k.uRuns;
      this.lOff = k.lOff;
      this.uOff = k.uOff;
      this.leaves = k.leaves as Int32Array<ArrayBuffer>;
      this.interiors = k.interiors as Int32Array<ArrayBuffer>;
    }
    this.interiorCount = 0;
    this.leafCount = 0;
    this.scan(w, upper, lower);
    const rFirst = this.rowFirst;
    const rLast = this.rowLast;
    if (rFirst < 0) return;
    if (this.kernels) {
      // the same walk in WebAssembly, over the runs that live there (interiors and leaves land in its memory)
      const counts = this.kernels.walk(rFirst, rLast);
      this.interiorCount = counts[0];
      this.leafCount = counts[1];
      return;
    }
    const ky = this.y.k;
    const kx = this.x.k;
    const gy = this.y.groupStart;
    const gx = this.x.groupStart;
    const ycell = this.yGroupCell;
    const xcell = this.xGroupCell;
    const fg = this.firstGroupStartGE;
    const ranges = this.ranges;
    const inter = this.bufC;
    let interiors = this.interiors;
    let leaves = this.leaves;
    let ni = 0;
    let nl = 0;
    for (let yg = 0; yg < ycell.length; yg++) {
      const sy = ycell[yg];
      if (sy + ky - 1 < rFirst) continue;
      if (sy > rLast) break;
      const packed = this.rowGroup(sy, ky);
      const nr = packed & 0xffff;
      const nc = packed >>> 16;
      if (nr === 0) continue;
      const ya = gy[yg];
      const yb = gy[yg + 1];
      // worst case every column group of this row group is listed
      if (ni + 4 * xcell.length > interiors.length) interiors = this.interiors = grow(interiors, ni + 4 * xcell.length);
      if (nl + 4 * xcell.length > leaves.length) leaves = this.leaves = grow(leaves, nl + 4 * xcell.length);
      let ii = 0; // next interior run
      for (let ri = 0; ri < nr; ri += 2) {
        const g1 = ranges[ri + 1];
        let g = ranges[ri];
        while (g < g1) {
          // interior column groups: window [cell, cell + kx − 1] inside an intersection run [p, q]
          while (ii < nc && inter[ii + 1] - kx + 1 < xcell[g]) ii += 2;
          let stop = g + 1;
          if (ii < nc) {
            const i0 = fg[inter[ii]];
            const qs = inter[ii + 1] - kx + 1;
            const i1 = qs >= 0 ? fg[qs + 1] : 0;
            if (i0 < i1 && g >= i0) {
              const end = i1 < g1 ? i1 : g1;
              interiors[ni++] = ya;
              interiors[ni++] = yb;
              interiors[ni++] = gx[g];
              interiors[ni++] = gx[end];
              g = end;
              continue;
            }
            if (i0 < i1 && i0 > g) stop = i0 < g1 ? i0 : g1;
          }
          for (; g < stop; g++) {
            leaves[nl++] = ya;
            leaves[nl++] = yb;
            leaves[nl++] = gx[g];
            leaves[nl++] = gx[g + 1];
          }
        }
      }
    }
    this.interiorCount = ni >> 2;
    this.leafCount = nl >> 2;
  }

  /** Stability counts, area and box at image resolution, as SamMaskUpscaler.stats (support over reachable cells). */
  stats(low: Float32Array | LowResWindow, threshold: number, offset: number): UpscaleStats {
    const w = low instanceof Float32Array ? this.plane(low) : low;
    const s = this.geometry.lowResSize;
    const hi = threshold + offset;
    const lo = threshold - offset;
    const kx = this.x.k;
    const ky = this.y.k;
    const data = w.data;
    let countHigh = 0;
    let countLow = 0;
    let area = 0;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -1;
    let y1 = -1;
    const ystart = this.y.start;
    const xstart = this.x.start;
    this.visit(w, hi + EPS, lo - EPS);
    const interiors = this.interiors;
    for (let i = 0; i < this.interiorCount; i++) {
      const ya = interiors[4 * i];
      const yb = interiors[4 * i + 1];
      const xa = interiors[4 * i + 2];
      const xb = interiors[4 * i + 3];
      const n = (yb - ya) * (xb - xa);
      countLow += n;
      countHigh += n;
      area += n;
      if (xa < x0) x0 = xa;
      if (xb - 1 > x1) x1 = xb - 1;
      if (ya < y0) y0 = ya;
      if (yb - 1 > y1) y1 = yb - 1;
    }
    const leaves = this.leaves;
    const leafCount = this.scannedInKernels ? 0 : this.leafCount;
    const stride = w.stride;
    const acc = this.acc;
    acc[0] = 0;
    acc[1] = 0;
    acc[2] = 0;
    acc[3] = Infinity;
    acc[4] = Infinity;
    acc[5] = -1;
    acc[6] = -1;
    // adjacent undecided windows of one row group are interpolated as one block
    let pYa = -1;
    let pYb = 0;
    let pXa = 0;
    let pXb = 0;
    for (let i = 0; i < leafCount; i++) {
      const ya = leaves[4 * i];
      const yb = leaves[4 * i + 1];
      const xa = leaves[4 * i + 2];
      const xb = leaves[4 * i + 3];
      const w0 = (ystart[ya] - w.row0) * stride + xstart[xa] - w.col0;
      let mn = data[w0];
      let mx = mn;
      for (let r = 0; r < ky; r++) {
        const o = w0 + r * stride;
        for (let j = 0; j < kx; j++) {
          const v = data[o + j];
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
      }
      if (mx < lo - EPS) continue;
      // between lo and hi and on one side of the threshold: decided without interpolating
      if (mn > lo + EPS && mx < hi - EPS && (mn > threshold + EPS || mx < threshold - EPS)) {
        const n = (yb - ya) * (xb - xa);
        countLow += n;
        if (mn > threshold + EPS) {
          area += n;
          if (xa < x0) x0 = xa;
          if (xb - 1 > x1) x1 = xb - 1;
          if (ya < y0) y0 = ya;
          if (yb - 1 > y1) y1 = yb - 1;
        }
        continue;
      }
      if (pYa === ya && pXb === xa) {
        pXb = xb;
        continue;
      }
      if (pYa >= 0) this.classifyBlock(w, pYa, pYb, pXa, pXb, lo, hi, threshold);
      pYa = ya;
      pYb = yb;
      pXa = xa;
      pXb = xb;
    }
    if (pYa >= 0) this.classifyBlock(w, pYa, pYb, pXa, pXb, lo, hi, threshold);
    const kernels = this.scannedInKernels ? this.kernels : null;
    if (kernels && this.leafCount > 0) {
      // the same classification in WebAssembly, on the cells the scan copied
      const k = this.leafAcc;
      kernels.classifyLeaves(leaves, this.leafCount, lo, hi, threshold, k);
      acc[0] = k[0];
      acc[1] = k[1];
      acc[2] = k[2];
      if (k[2] > 0) {
        acc[3] = k[3];
        acc[4] = k[4];
        acc[5] = k[5];
        acc[6] = k[6];
      }
    }
    countLow += acc[0];
    countHigh += acc[1];
    area += acc[2];
    if (acc[3] < x0) x0 = acc[3];
    if (acc[4] < y0) y0 = acc[4];
    if (acc[5] > x1) x1 = acc[5];
    if (acc[6] > y1) y1 = acc[6];
    const r0 = this.rowFirst;
    const r1 = this.rowLast;
    const c0 = this.colFirst;
    const c1 = this.colLast;
    const support: [number, number, number, number] | null =
      r0 < 0 ? null : [Math.max(0, r0 - ky + 1), Math.min(s - 1, r1 + ky - 1), Math.max(0, c0 - kx + 1), Math.min(s - 1, c1 + kx - 1)];
    const box: [number, number, number, number] = area > 0 ? [x0, y0, x1, y1] : [0, 0, 0, 0];
    return { countHigh, countLow, area, box, support };
  }

  /**
   * Copies cells [r0, r0 + rows) × [c0, c0 + cols) of the S×S plane `low` into `out` (rows × cols, row after row):
   * from the module's copy when the last `stats` read `low` there and the copy holds them (one native copy per
   * candidate instead of one call per row), else from `low`. Call it right after `stats(low, …)`.
   */
  copyWindow(low: Float32Array, r0: number, rows: number, c0: number, cols: number, out: Float32Array): void {
    const s = this.geometry.lowResSize;
    const fromCopy = this.scannedInKernels && this.kernels ? this.kernels.gather(r0, rows, c0, cols) : null;
    if (fromCopy) {
      out.set(fromCopy);
      return;
    }
    for (let r = 0; r < rows; r++) out.set(low.subarray((r0 + r) * s + c0, (r0 + r) * s + c0 + cols), r * cols);
  }

  /**
   * Binary mask [H, W] of logit > threshold at image resolution. From a window, cells outside it must be ≤ every
   * value that matters (a candidate's stored support, see SamMaskGenerator).
   */
  mask(low: Float32Array | LowResWindow, threshold: number): Uint8Array {
    const w = low instanceof Float32Array ? this.plane(low) : low;
    const W = this.geometry.width;
    const out = new Uint8Array(W * this.geometry.height);
    const block = this.block;
    this.visit(w, threshold + EPS, threshold - EPS);
    if (this.scannedInKernels && this.kernels) {
      // interiors and leaves written in the module, the rows they cover copied out
      this.kernels.maskInto(this.interiorCount, this.leafCount, threshold, out);
      return out;
    }
    const interiors = this.interiors;
    for (let i = 0; i < this.interiorCount; i++) {
      const ya = interiors[4 * i];
      const yb = interiors[4 * i + 1];
      const xa = interiors[4 * i + 2];
      const xb = interiors[4 * i + 3];
      for (let py = ya; py < yb; py++) out.fill(1, py * W + xa, py * W + xb);
    }
    const leaves = this.leaves;
    const leafCount = this.leafCount;
    let i = 0;
    while (i < leafCount) {
      const ya = leaves[4 * i];
      const yb = leaves[4 * i + 1];
      const xa = leaves[4 * i + 2];
      let xb = leaves[4 * i + 3];
      // adjacent windows of one row group: one block
      while (i + 1 < leafCount && leaves[4 * (i + 1)] === ya && leaves[4 * (i + 1) + 2] === xb) xb = leaves[4 * ++i + 3];
      i++;
      this.interpolateBlock(w, ya, yb, xa, xb);
      const bw = xb - xa;
      for (let py = ya; py < yb; py++) {
        for (let c = 0; c < bw; c++) if (block[(py - ya) * bw + c] > threshold) out[py * W + xa + c] = 1;
      }
    }
    return out;
  }
}

function grow(a: Int32Array, need: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function nonFinite(r: number, c: number, v: number): PipelineError {
  return new PipelineError('INVALID_VALUE', `low-res logits: value at row ${r}, col ${c} is ${v}`);
}
