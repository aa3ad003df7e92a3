/**
 * The worker's attention map c ([H, W] row-major float32 little-endian in [0, 1], refdiff.worker.v1 AttentionMap)
 * stored compactly with the result: an 8-bit grayscale PNG (value × 255, rounded), a few KB instead of 4 bytes per
 * pixel, that browsers decode natively.
 */
import type { AttentionMap__Output } from '@refdiff/worker-contract';

/** Returns null for a missing or malformed map (its size does not match its data): a result never fails for it. */
export async function encodeAttentionPng(map: AttentionMap__Output | null | undefined): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!map || map.width <= 0 || map.height <= 0 || map.data.length !== map.width * map.height * 4) return null;
  const n = map.width * map.height;
  const gray = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const v = map.data.readFloatLE(i * 4);
    gray[i] = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) : 0;
  }
  const { default: sharp } = await import('sharp');
  const png = await sharp(gray, { raw: { width: map.width, height: map.height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  return new Uint8Array(png);
}

export function attentionDataUrl(png: Uint8Array | null): string | null {
  return png ? `data:image/png;base64,${Buffer.from(png).toString('base64')}` : null;
}
