import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLIP_MEAN, CLIP_STD, normalizeTable, SAM_MEAN, SAM_STD } from '../image-normalize';
import { InputBufferPool } from '../input-buffers';
import { loadPilGoldens, pilGoldenImage } from '../pil-goldens.testing';
import { resizePilBilinearPlanar } from '../pil-resample';
import type { RgbImage } from '../rgb-image';
import { prepareSamInput, samResizedSize } from '../sam-input';
import { compilePilResize } from './build-pil-resize';
import { PIL_RESIZE_WASM_BASE64 } from './pil-resize.wasm';
import { pilResizeWasmAvailable, resizePilBilinearPlanarWasm } from './pil-resize-kernel';

// The WebAssembly SIMD resize + normalisation (pil-resize.wat) against the JavaScript it replaces on SAM's path
// (resizePilBilinearPlanar through normalizeTable): the same float32 bits everywhere in the output frame.

type Norm = [scale: number, mean: readonly [number, number, number], std: readonly [number, number, number]];
const SAM: Norm = [1, SAM_MEAN, SAM_STD];

function randomImage(width: number, height: number, seed: number): RgbImage {
  let s = seed | 0 || 1;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    data[i] = (s >>> 16) & 255;
  }
  // a few saturated runs, where rounding meets clip8
  for (let i = 0; i < data.length; i += 37) data.fill(i & 64 ? 255 : 0, i, Math.min(data.length, i + 7));
  return { width, height, data };
}

/** Both implementations into frames of outW × outH prefilled with a marker; true when every float's bits agree. */
function agree(image: RgbImage, width: number, height: number, outW: number, outH: number, [scale, mean, std]: Norm = SAM): boolean {
  const js = new Float32Array(3 * outW * outH).fill(-7.25);
  const wasm = js.slice();
  resizePilBilinearPlanar(image, width, height, normalizeTable(scale, mean, std), js, outW, outH);
  expect(resizePilBilinearPlanarWasm(image, width, height, scale, mean, std, wasm, outW, outH)).toBe(true);
  return Buffer.from(js.buffer).equals(Buffer.from(wasm.buffer));
}

describe('the PIL bilinear resize WebAssembly kernel', () => {
  it('pil-resize.wasm.ts holds the compilation of pil-resize.wat (rerun build-pil-resize.ts after editing the .wat)', async () => {
    const bytes = await compilePilResize();
    expect(Buffer.from(PIL_RESIZE_WASM_BASE64, 'base64').equals(Buffer.from(bytes))).toBe(true);
  });

  it('compiles with SIMD on this Node (else SAM input preparation falls back to JavaScript silently)', () => {
    expect(pilResizeWasmAvailable()).toBe(true);
  });

  it('every input size up to 48² resized to SAM longest sides 48 (up) and 13 (down): the same floats', () => {
    for (let w = 1; w <= 48; w++) {
      for (let h = 1; h <= 48; h++) {
        const img = randomImage(w, h, w * 97 + h);
        for (const side of [48, 13]) {
          const s = samResizedSize(w, h, side);
          if (s.width === 0 || s.height === 0) continue;
          if (!agree(img, s.width, s.height, side, side)) throw new Error(`${w}×${h} → ${s.width}×${s.height} differs`);
        }
      }
    }
  });

  it('every pair of sizes up to 48 on each axis (the other up or down): the same floats', () => {
    for (let a = 1; a <= 48; a++) {
      for (let b = 1; b <= 48; b++) {
        const wide = randomImage(a, 5, a * 31 + b);
        if (!agree(wide, b, 7, 50, 9)) throw new Error(`width ${a} → ${b} differs`);
        const tall = randomImage(6, a, a * 17 + b);
        if (!agree(tall, 3, b, 4, 49)) throw new Error(`height ${a} → ${b} differs`);
      }
    }
  });

  it.each([
    [640, 480, 1024, 768],
    [480, 640, 768, 1024],
    [640, 427, 1024, 683],
    [2000, 1500, 1024, 768],
    [4000, 3000, 1024, 768],
    [1999, 3001, 682, 1024],
    [1500, 2000, 768, 1024],
    [300, 200, 1024, 683],
    [1024, 768, 1024, 768],
    [1024, 300, 1024, 500],
  ])('%i×%i → %i×%i into the 1024² square: the same floats', (w, h, ow, oh) => {
    expect(agree(randomImage(w, h, w + h), ow, oh, 1024, 1024)).toBe(true);
  });

  it('any sizes, frames and normalisations (SAM, CLIP, SD, random): the same floats (property)', () => {
    const norm = fc.oneof(
      fc.constant<Norm>(SAM),
      fc.constant<Norm>([1 / 255, CLIP_MEAN, CLIP_STD]),
      fc.constant<Norm>([1 / 127.5, [1, 1, 1], [1, 1, 1]]),
      fc.tuple(
        fc.double({ min: 1e-3, max: 10, noNaN: true }),
        fc.tuple(fc.double({ min: -300, max: 300, noNaN: true }), fc.double({ min: -300, max: 300, noNaN: true }), fc.double({ min: -300, max: 300, noNaN: true })),
        fc.tuple(fc.double({ min: 1e-3, max: 100, noNaN: true }), fc.double({ min: 1e-3, max: 100, noNaN: true }), fc.double({ min: 1e-3, max: 100, noNaN: true })),
      ),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer(),
        norm,
        (w, h, ow, oh, padW, padH, seed, n) => {
          expect(agree(randomImage(w, h, seed), ow, oh, ow + padW, oh + padH, n)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("every byte of every channel becomes normalizeTable's float32 (the formula's float64 operations, one rounding)", () => {
    const data = new Uint8Array(256 * 3);
    for (let v = 0; v < 256; v++) data.fill(v, 3 * v, 3 * v + 3);
    for (const [scale, mean, std] of [SAM, [1 / 255, CLIP_MEAN, CLIP_STD], [1 / 127.5, [1, 1, 1], [1, 1, 1]]] as Norm[]) {
      const out = new Float32Array(3 * 256);
      expect(resizePilBilinearPlanarWasm({ width: 256, height: 1, data }, 256, 1, scale, mean, std, out, 256, 1)).toBe(true);
      expect(Buffer.from(out.buffer).equals(Buffer.from(normalizeTable(scale, mean, std).buffer))).toBe(true);
    }
  });

  it('equals PIL Image.resize(BILINEAR) on the committed goldens (bytes through the identity normalisation)', () => {
    const goldens = loadPilGoldens();
    expect(goldens.cases.length).toBeGreaterThan(0);
    for (const g of goldens.cases) {
      const [ow, oh] = g.out;
      const planes = new Float32Array(3 * ow * oh);
      expect(resizePilBilinearPlanarWasm(pilGoldenImage(g.in[0], g.in[1], g.seed), ow, oh, 1, [0, 0, 0], [1, 1, 1], planes, ow, oh)).toBe(true);
      const bytes = new Uint8Array(ow * oh * 3);
      for (let i = 0; i < ow * oh; i++) for (let c = 0; c < 3; c++) bytes[3 * i + c] = planes[c * ow * oh + i];
      expect([g.in, g.out, createHash('sha256').update(bytes).digest('hex')]).toEqual([g.in, g.out, g.sha256]);
    }
  });

  it('rejects what resizePilBilinearPlanar rejects', () => {
    const img = randomImage(4, 4, 1);
    expect(() => resizePilBilinearPlanarWasm(img, 0, 4, ...SAM, new Float32Array(48), 4, 4)).toThrow();
    expect(() => resizePilBilinearPlanarWasm(img, 5, 4, ...SAM, new Float32Array(48), 4, 4)).toThrow(/does not fit/);
    expect(() => resizePilBilinearPlanarWasm({ width: 4, height: 4, data: new Uint8Array(47) }, 4, 4, ...SAM, new Float32Array(48), 4, 4)).toThrow();
  });
});

describe('prepareSamInput with and without the kernel', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('COCO landscape and portrait, through a pool lending stale buffers: simd and JavaScript give the same bits', async () => {
    const pool = new InputBufferPool();
    for (const [w, h, seed] of [[640, 480, 1], [480, 640, 2], [640, 480, 3], [2000, 1500, 4]]) {
      const img = randomImage(w, h, seed);
      const simd = await prepareSamInput(img, { buffers: pool });
      const js = await prepareSamInput(img, { simd: false });
      expect([simd.resizedWidth, simd.resizedHeight]).toEqual([js.resizedWidth, js.resizedHeight]);
      expect(Buffer.from(simd.pixels.buffer, simd.pixels.byteOffset, simd.pixels.byteLength).equals(Buffer.from(js.pixels.buffer))).toBe(true);
      simd.release();
    }
  });

  it('without WebAssembly the JavaScript path runs and gives the same bits', async () => {
    const img = randomImage(64, 40, 9);
    const withSimd = await prepareSamInput(img, { inputSize: 96 });
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    const kernel = await import('./pil-resize-kernel');
    const samInput = await import('../sam-input');
    expect(kernel.pilResizeWasmAvailable()).toBe(false);
    expect(kernel.resizePilBilinearPlanarWasm(img, 96, 60, ...SAM, new Float32Array(3 * 96 * 96), 96, 96)).toBe(false);
    const without = await samInput.prepareSamInput(img, { inputSize: 96 });
    expect(Buffer.from(without.pixels.buffer).equals(Buffer.from(withSimd.pixels.buffer))).toBe(true);
  });
});
