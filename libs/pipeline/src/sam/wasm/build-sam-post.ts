/**
 * Compiles sam-post.wat into sam-post.wasm.ts: `npx tsx libs/pipeline/src/sam/wasm/build-sam-post.ts`
 * (wasm/build-wat.ts; wabt is a dev dependency only).
 */
import { fileURLToPath } from 'node:url';
import { compileWat, writeWasmModule } from '../../wasm/build-wat';

const WAT = new URL('./sam-post.wat', import.meta.url);
const FEATURES = { simd: true, bulk_memory: true };

export function compileSamPost(): Promise<Uint8Array> {
  return compileWat(WAT, FEATURES);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeWasmModule(WAT, new URL('./sam-post.wasm.ts', import.meta.url), FEATURES, 'SAM_POST_WASM_BASE64', new URL(import.meta.url));
}
