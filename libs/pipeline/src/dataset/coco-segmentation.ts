import { PipelineError } from '../errors/pipeline.errors';

/**
 * COCO `segmentation` → a byte mask [H, W] row-major (1 = object). Three forms, as pycocotools' `annToRLE` accepts:
 * a list of polygons `[[x0, y0, x1, y1, …], …]`, an uncompressed RLE `{size: [h, w], counts: number[]}` (iscrowd
 * annotations) and a compressed RLE `{size, counts: string}`. RLE counts are column-major runs starting with zeros.
 * Ported from pycocotools' maskApi.c (rleFrPoly, rleFrString); kept here so the importer needs no other module.
 */

export type CocoSegmentation =
  | number[][]
  | { size: [number, number]; counts: number[] | string };

/** pycocotools `rleFrPoly`: polygon rasterisation by upsampled (×5) boundary walking. Returns RLE counts. */
export function rleCountsFromPolygon(xy: ArrayLike<number>, h: number, w: number): number[] {
  const k = xy.length >> 1;
  if (k < 1) return [h * w];
  const scale = 5;
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  // C's (int) cast truncates toward zero.
  for (let j = 0; j < k; j++) x[j] = Math.trunc(scale * xy[2 * j] + 0.5);
  x[k] = x[0];
  for (let j = 0; j < k; j++) y[j] = Math.trunc(scale * xy[2 * j + 1] + 0.5);
  y[k] = y[0];
  let m = 0;
  for (let j = 0; j < k; j++) m += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
  const u = new Int32Array(m);
  const v = new Int32Array(m);
  m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs; xs = xe; xe = t;
      t = ys; ys = ye; ye = t;
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = Math.trunc(ys + s * t + 0.5);
        m++;
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = Math.trunc(xs + s * t + 0.5);
        m++;
      }
    }
  }
  // points along the y-boundary, downsampled
  const total = m;
  const bx: number[] = [];
  const by: number[] = [];
  for (let j = 1; j < total; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    bx.push(xd);
    by.push(yd);
  }
  const a: number[] = bx.map((xv, j) => xv * h + by[j]);
  a.push(h * w);
  a.sort((p, q) => p - q);
  let p = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j];
    a[j] -= p;
    p = t;
  }
  const b: number[] = [];
  let j = 0;
  b.push(a[j++]);
  while (j < a.length) {
    if (a[j] > 0) b.push(a[j++]);
    else {
      j++;
      if (j < a.length) b[b.length - 1] += a[j++];
    }
  }
  return b;
}

/** pycocotools `rleFrString`: the compressed LEB128-like string form → counts. */
export function rleCountsFromString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = 1;
    while (more) {
      if (p >= s.length) throw new PipelineError('INVALID_VALUE', `compressed RLE string ends inside a count: ${JSON.stringify(s.slice(0, 40))}`);
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new PipelineError('INVALID_VALUE', `compressed RLE has an invalid character ${JSON.stringify(s[p])} at ${p}`);
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Column-major RLE counts → row-major byte mask [H, W]. Counts must add up to h·w. */
export function rleCountsToMask(counts: ArrayLike<number>, h: number, w: number, into?: Uint8Array): Uint8Array {
  const out = into ?? new Uint8Array(h * w);
  let pos = 0;
  let value = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (!Number.isInteger(n) || n < 0) throw new PipelineError('INVALID_VALUE', `RLE count ${i} is ${n}`);
    if (pos + n > h * w) throw new PipelineError('INVALID_SHAPE', `RLE counts add up to more than ${h}×${w}`);
    if (value) {
      for (let q = pos; q < pos + n; q++) {
        const col = (q / h) | 0;
        out[(q - col * h) * w + col] = 1;
      }
    }
    pos += n;
    value ^= 1;
  }
  if (pos !== h * w) throw new PipelineError('INVALID_SHAPE', `RLE counts add up to ${pos}, expected ${h}×${w} = ${h * w}`);
  return out;
}

/** Any COCO segmentation → byte mask [H, W] (polygons of one object are united, as pycocotools' merge). */
export function cocoSegmentationToMask(seg: CocoSegmentation, h: number, w: number): Uint8Array {
  if (Array.isArray(seg)) {
    const out = new Uint8Array(h * w);
    const tmp = new Uint8Array(h * w);
    for (const poly of seg) {
      if (!Array.isArray(poly) || poly.length < 6 || poly.length % 2 !== 0) {
        throw new PipelineError('INVALID_VALUE', `a polygon needs an even number (≥ 6) of coordinates, got ${Array.isArray(poly) ? poly.length : typeof poly}`);
      }
      tmp.fill(0);
      rleCountsToMask(rleCountsFromPolygon(poly, h, w), h, w, tmp);
      for (let i = 0; i < tmp.length; i++) out[i] |= tmp[i];
    }
    return out;
  }
  if (seg && typeof seg === 'object' && Array.isArray(seg.size)) {
    const [sh, sw] = seg.size;
    if (sh !== h || sw !== w) {
      throw new PipelineError('INVALID_SHAPE', `RLE size [${sh}, ${sw}] does not match the image ${w}×${h} (size is [h, w])`);
    }
    const counts = typeof seg.counts === 'string' ? rleCountsFromString(seg.counts) : seg.counts;
    return rleCountsToMask(counts, h, w);
  }
  throw new PipelineError('INVALID_VALUE', 'segmentation is neither a polygon list nor an RLE {size, counts}');
}
