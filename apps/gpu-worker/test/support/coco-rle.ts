// COCO run-length encoding (pycocotools maskApi.c rleEncode/rleToString/rleFrString), column-major, for tests.

/** mask: [H, W] row-major 0/1 → compressed counts string. */
export function encodeRle(mask: Uint8Array, height: number, width: number): string {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** compressed counts string → [H, W] row-major 0/1. */
export function decodeRle(counts: string, height: number, width: number): Uint8Array {
  const runs: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      const c = counts.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (runs.length > 2) x += runs[runs.length - 2];
    runs.push(x);
  }
  const mask = new Uint8Array(height * width);
  let idx = 0;
  let v = 0;
  for (const run of runs) {
    for (let i = 0; i < run; i++, idx++) {
      const x = Math.floor(idx / height);
      const y = idx % height;
      mask[y * width + x] = v;
    }
    v ^= 1;
  }
  if (idx !== height * width) throw new Error(`RLE covers ${idx} pixels, expected ${height * width}`);
  return mask;
}

export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 1 : inter / union;
}
