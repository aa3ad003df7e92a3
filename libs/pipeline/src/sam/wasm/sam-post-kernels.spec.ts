import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSamPost } from './build-sam-post';
import { SAM_POST_WASM_BASE64 } from './sam-post.wasm';
import { wasmApi } from '../../wasm/wasm-module';
import { f32BelowOrEqual } from './sam-post-kernels';

describe('the SAM post-processing WebAssembly kernels', () => {
  it('sam-post.wasm.ts holds the compilation of sam-post.wat (rerun build-sam-post.ts after editing the .wat)', async () => {
    const bytes = await compileSamPost();
    expect(Buffer.from(SAM_POST_WASM_BASE64, 'base64').equals(Buffer.from(bytes))).toBe(true);
  });

  it('compiles with SIMD on this Node (else the scan falls back to JavaScript silently)', () => {
    expect(wasmApi()?.validate(Buffer.from(SAM_POST_WASM_BASE64, 'base64'))).toBe(true);
  });

  it('f32BelowOrEqual(x) orders every float32 as x does (property)', () => {
    const f32 = fc.float({ noNaN: true });
    fc.assert(
      fc.property(fc.double({ noNaN: true }), f32, fc.integer({ min: -3, max: 3 }), (x, v, k) => {
        const b = f32BelowOrEqual(x);
        expect(Math.fround(b)).toBe(b);
        expect(v <= x).toBe(v <= b);
        // the float32s next to x's rounding, where an off-by-one-ulp bound would differ
        const buf = new DataView(new ArrayBuffer(4));
        buf.setFloat32(0, Math.fround(x));
        buf.setInt32(0, buf.getInt32(0) + k);
        const w = buf.getFloat32(0);
        if (!Number.isNaN(w)) expect(w <= x).toBe(w <= b);
      }),
      { numRuns: 5000 },
    );
    expect(f32BelowOrEqual(-1 - 1e-6)).toBeLessThan(-1);
    expect(f32BelowOrEqual(-1e-300)).toBeLessThan(0);
    expect(f32BelowOrEqual(1e300)).toBe(3.4028234663852886e38);
  });
});
