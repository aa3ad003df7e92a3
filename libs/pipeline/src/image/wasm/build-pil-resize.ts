/**
 * Compiles pil-resize.wat into pil-resize.wasm.ts: `npx tsx libs/pipeline/src/image/wasm/build-pil-resize.ts`
 * (wasm/build-wat.ts; wabt is a dev dependency only).
 */
import { fileURLToPath } from 'node:url';
import { compileWat, writeWasmModule } from '../../wasm/build-wat';

const WAT = new URL('./pil-resize.wat', import.meta.url);
const FEATURES = { simd: true };

export function compilePilResize(): Promise<Uint8Array> {
  return compileWat(WAT, FEATURES);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeWasmModule(WAT, new URL('./pil-resize.wasm.ts', import.meta.url), FEATURES, 'PIL_RESIZE_WASM_BASE64', new URL(import.meta.url));
}
