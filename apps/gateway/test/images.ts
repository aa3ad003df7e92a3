import sharp from 'sharp';

/** A real PNG of the given size with a filled rectangle (top-left x0,y0 to x1,y1 exclusive). */
export async function pngWithBox(width: number, height: number, box: [number, number, number, number], seed = 0): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3, 30 + (seed % 50));
  for (let y = box[1]; y < box[3]; y++) for (let x = box[0]; x < box[2]; x++) raw.set([220, 40, 40], (y * width + x) * 3);
  return new Uint8Array(await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer());
}

/** A syntactically valid PNG header claiming width×height, followed by nothing decodable (a decompression-bomb probe). */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'ascii');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b[24] = 8; // bit depth
  b[25] = 2; // RGB
  return new Uint8Array(b);
}

/** A PNG of seeded noise: incompressible, so its byte size is predictable (about 3 bytes a pixel). */
export async function pngNoise(width: number, height: number, seed = 1): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < raw.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    raw[i] = s & 0xff;
  }
  return new Uint8Array(await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer());
}
