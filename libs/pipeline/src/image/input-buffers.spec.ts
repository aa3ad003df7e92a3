import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputBufferPool, type PaddedLayout } from './input-buffers';
import type { RgbImage } from './rgb-image';
import { prepareSamInput, samResizedSize } from './sam-input';
import { prepareSdInput } from './sd-input';
import { padToSquare } from './square-pad';

// Reused input buffers must give every model the bytes a fresh buffer gives: the same preparation with and without
// a pool, for sequences of images of different sizes through one pool, alternating and concurrent.

function randomImage(w: number, h: number, seed: number): RgbImage {
  let s = seed >>> 0;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width: w, height: h, data };
}

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const layout = (rows: number, cols: number, x0: number, y0: number, x1: number, y1: number, planes = 2): PaddedLayout => ({
  planes,
  rows,
  cols,
  x0,
  y0,
  x1,
  y1,
});

describe('InputBufferPool', () => {
  it('lends a buffer that is 0 outside the written rectangle, whatever the last borrower wrote inside its own', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(8), fc.nat(8), fc.nat(8), fc.nat(8)), { minLength: 1, maxLength: 8 }),
        (rects) => {
          const pool = new InputBufferPool();
          for (const [a, b, c, d] of rects) {
            const l = layout(8, 8, Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d));
            const lease = pool.float32(l);
            for (let p = 0; p < 2; p++)
              for (let y = 0; y < 8; y++)
                for (let x = 0; x < 8; x++) {
                  const inside = x >= l.x0 && x < l.x1 && y >= l.y0 && y < l.y1;
                  if (!inside) expect(lease.data[p * 64 + y * 8 + x]).toBe(0);
                  else lease.data[p * 64 + y * 8 + x] = 1 + p; // the borrower fills its rectangle
                }
            lease.release();
          }
          expect(pool.stats().buffers).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lends a buffer to one borrower at a time; release() counts once; keeps few free buffers', () => {
    const pool = new InputBufferPool(1000, 2);
    const l = layout(4, 4, 0, 0, 4, 4, 1);
    const a = pool.uint8(l);
    const b = pool.uint8(l);
    expect(a.data).not.toBe(b.data);
    a.release();
    a.release();
    const c = pool.uint8(l);
    expect(c.data).toBe(a.data);
    const d = pool.uint8(l);
    expect(d.data).not.toBe(b.data);
    for (const x of [b, c, d]) x.release();
    expect(pool.stats()).toEqual({ buffers: 2, bytes: 32 }); // at most 2 per layout
    pool.float32(layout(10, 10, 0, 0, 10, 10, 3)).release(); // 1,200 bytes, over the cap: nothing is kept
    expect(pool.stats()).toEqual({ buffers: 0, bytes: 0 });
    pool.float32(layout(5, 5, 0, 0, 5, 5, 3)).release(); // 300 bytes
    pool.uint8(l).release();
    expect(pool.stats()).toEqual({ buffers: 2, bytes: 316 });
    expect(pool.float32(layout(5, 5, 0, 0, 5, 5, 3)).data.length).toBe(75);
  });

  it('refuses a rectangle outside the buffer', () => {
    const pool = new InputBufferPool();
    expect(() => pool.float32(layout(4, 4, 0, 0, 5, 4))).toThrow(/bad padded layout/);
    expect(() => pool.float32(layout(4, 4, 3, 0, 2, 4))).toThrow(/bad padded layout/);
  });
});

describe('preparations with reused buffers give the bytes of fresh ones', () => {
  it('SAM input: any sequence of sizes through one pool (up to 48², input sizes up to 64)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 48 }), fc.integer({ min: 1, max: 48 }), fc.integer()), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 2, max: 64 }),
        async (images, inputSize) => {
          const pool = new InputBufferPool();
          for (const [w, h, seed] of images) {
            const size = samResizedSize(w, h, inputSize);
            if (size.width === 0 || size.height === 0) continue; // a long thin image at a tiny input size: no rows
            const img = randomImage(w, h, seed);
            const fresh = await prepareSamInput(img, { inputSize });
            const lent = await prepareSamInput(img, { inputSize, buffers: pool });
            expect(sameBytes(lent.pixels, fresh.pixels)).toBe(true);
            lent.release();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('SAM input at COCO size: landscape and portrait alternating, and concurrent preparations', async () => {
    const pool = new InputBufferPool();
    const a = randomImage(640, 480, 1);
    const b = randomImage(427, 640, 2);
    const freshA = (await prepareSamInput(a)).pixels;
    const freshB = (await prepareSamInput(b)).pixels;
    for (const [img, fresh] of [[a, freshA], [b, freshB], [a, freshA], [b, freshB]] as const) {
      const lent = await prepareSamInput(img, { buffers: pool });
      expect(sameBytes(lent.pixels, fresh)).toBe(true);
      lent.release();
    }
    // both in flight at once (two images' model calls pending): two buffers, each right
    const [x, y] = await Promise.all([prepareSamInput(b, { buffers: pool }), prepareSamInput(a, { buffers: pool })]);
    expect(x.pixels).not.toBe(y.pixels);
    expect(sameBytes(x.pixels, freshB)).toBe(true);
    expect(sameBytes(y.pixels, freshA)).toBe(true);
    x.release();
    y.release();
    // a third image while one of them is still lent
    const z = await prepareSamInput(a, { buffers: pool });
    const held = await prepareSamInput(b, { buffers: pool });
    z.release();
    const again = await prepareSamInput(randomImage(300, 200, 3), { buffers: pool });
    expect(sameBytes(again.pixels, (await prepareSamInput(randomImage(300, 200, 3))).pixels)).toBe(true);
    expect(sameBytes(held.pixels, freshB)).toBe(true);
    again.release();
    held.release();
  });

  it('centred squares: any sequence of sizes through one pool', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 }), fc.integer()), { minLength: 2, maxLength: 8 }),
        (images) => {
          const pool = new InputBufferPool();
          for (const [w, h, seed] of images) {
            const img = randomImage(w, h, seed);
            const lent = padToSquare(img, pool);
            expect(sameBytes(lent.image.data, padToSquare(img).image.data)).toBe(true);
            lent.release();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('SD input: sizes in a row, alternating, concurrent, at 64 and 128', async () => {
    const pool = new InputBufferPool();
    const images = [randomImage(40, 30, 1), randomImage(30, 40, 2), randomImage(40, 40, 3), randomImage(17, 5, 4), randomImage(40, 30, 5)];
    for (const size of [64, 128, 64]) {
      for (const img of [...images, ...images.slice().reverse()]) {
        const fresh = await prepareSdInput(img, size);
        const lent = await prepareSdInput(img, size, { buffers: pool });
        expect(sameBytes(lent.pixels, fresh.pixels)).toBe(true);
        expect(lent.placement).toEqual(fresh.placement);
        lent.release();
      }
      const lent = await Promise.all(images.map((img) => prepareSdInput(img, size, { buffers: pool })));
      for (let i = 0; i < images.length; i++) expect(sameBytes(lent[i].pixels, (await prepareSdInput(images[i], size)).pixels)).toBe(true);
      for (const l of lent) l.release();
    }
    // a square of the SD size is its own resize: the square goes back to the pool only after the normalisation
    const exact = randomImage(64, 64, 9);
    const [p, q] = await Promise.all([prepareSdInput(exact, 64, { buffers: pool }), prepareSdInput(images[0], 64, { buffers: pool })]);
    expect(sameBytes(p.pixels, (await prepareSdInput(exact, 64)).pixels)).toBe(true);
    expect(sameBytes(q.pixels, (await prepareSdInput(images[0], 64)).pixels)).toBe(true);
  });
});
