/**
 * Segments an image against a running `refdiff serve` (npm start) with @refdiff/client: upload, segment, then every
 * status change over the subscription until each expression is done.
 *
 *   npm start -w @refdiff/example-node-client                                   # a synthetic scene, 3 expressions
 *   npm start -w @refdiff/example-node-client -- photo.jpg "the dog on the left"
 *
 * REFDIFF_URL (default http://127.0.0.1:4000) and REFDIFF_API_KEY (default: the key in .refdiff/admin.key that
 * `refdiff serve` writes on first start; any key with READ and SEGMENT works).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { createRefdiffClient, isRefdiffError } from '@refdiff/client';
import { createRng, generateScene, referringExpressions } from '@refdiff/synthetic';
import WebSocket from 'ws';

const url = process.env.REFDIFF_URL ?? 'http://127.0.0.1:4000';
const keyFile = fileURLToPath(new URL('../../.refdiff/admin.key', import.meta.url));
const apiKey = process.env.REFDIFF_API_KEY ?? readFileSync(keyFile, 'utf8').trim();

const [imagePath, ...given] = process.argv.slice(2);
let bytes: Uint8Array;
let expressions: string[];
if (imagePath) {
  bytes = readFileSync(imagePath);
  expressions = given.length ? given : ['the object in the middle'];
} else {
  const scene = generateScene({ width: 192, height: 128, seed: 5, objects: 3 });
  bytes = encodePng(scene.image, scene.width, scene.height);
  expressions = referringExpressions(scene, createRng(5))
    .slice(0, 3)
    .map((e) => e.text);
}

const client = createRefdiffClient({ url, apiKey, webSocketImpl: WebSocket });
try {
  const image = await client.upload(bytes);
  console.log(`uploaded image ${image.id} (${image.width}×${image.height} ${image.format})`);
  const queued = await client.segment(image.id, expressions);
  const t0 = Date.now();
  const results = await client.wait(
    queued.map((s) => s.id),
    { onUpdate: (s) => console.log(`  +${String(Date.now() - t0).padStart(5)} ms  "${s.expression}" ${s.status}`) },
  );
  for (const s of results) {
    const what = s.mask ? `box [${s.mask.box.join(', ')}], ${s.mask.area} px, root word "${s.rootWord}"` : s.error?.message;
    console.log(`"${s.expression}" → ${s.status}: ${what}`);
  }
  process.exitCode = results.every((s) => s.status === 'SUCCEEDED') ? 0 : 1;
} catch (err) {
  // Typed errors: err.code is one of the gateway's codes (a union), or NETWORK.
  if (isRefdiffError(err)) console.error(`${err.code}: ${err.message}`);
  else throw err;
  process.exitCode = 1;
} finally {
  await client.close();
}

/** 8-bit RGB PNG, unfiltered: enough for a synthetic scene. */
function encodePng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    let c = 0xffffffff;
    for (const b of out.subarray(4, 8 + data.length)) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) Buffer.from(rgb.subarray(y * width * 3, (y + 1) * width * 3)).copy(raw, y * (1 + width * 3) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
