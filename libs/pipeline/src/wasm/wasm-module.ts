/**
 * What the WebAssembly kernels (sam/wasm, image/wasm) share at run time: the part of the WebAssembly JS API they use
 * (the workspace compiles without the DOM typings that declare it), and one lazily compiled module per kernel file.
 */

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}

/** The WebAssembly API, or undefined where the runtime has none. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/** A kernel module compiled on first use from its committed base64 bytes; null where the runtime cannot (no SIMD). */
export interface LazyWasmModule {
  module(): object | null;
  /** a fresh instance's exports, or null where the module is unavailable */
  instantiate<T>(): T | null;
}

export function lazyWasmModule(base64: string): LazyWasmModule {
  let compiled: object | null | undefined;
  const module = (): object | null => {
    if (compiled !== undefined) return compiled;
    const api = wasmApi();
    try {
      const bytes = Buffer.from(base64, 'base64');
      compiled = api && api.validate(bytes) ? new api.Module(bytes) : null;
    } catch {
      compiled = null;
    }
    return compiled;
  };
  return {
    module,
    instantiate<T>(): T | null {
      const m = module();
      const api = wasmApi();
      return m && api ? (new api.Instance(m).exports as T) : null;
    },
  };
}
