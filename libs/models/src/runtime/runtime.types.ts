/**
 * The small interface the rest of @refdiff/models uses to run ONNX models. Only onnx-runtime.ts implements it
 * (the one module that imports onnxruntime-node).
 */

export type ExecutionProvider = 'cpu' | 'cuda';
export type TensorDType = 'float32' | 'float16' | 'int32' | 'int64' | 'bool' | 'uint8';
export type TensorData = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;

/** A tensor on the host: row-major data with its dims. float16 data is IEEE half bits in a Uint16Array. */
export interface HostTensor {
  readonly dtype: TensorDType;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

/** A model input or output as the graph declares it: numeric dims are fixed, string dims symbolic. */
export interface TensorSpec {
  readonly name: string;
  readonly dtype: TensorDType;
  readonly shape: readonly (number | string)[];
}

export interface RuntimeLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface RuntimeOptions {
  /** Explicit choice: no silent fallback from cuda to cpu. */
  readonly executionProvider: ExecutionProvider;
  /** 0 or undefined = onnxruntime's default (one per core). */
  readonly intraOpThreads?: number;
  readonly interOpThreads?: number;
  readonly cudaDeviceId?: number;
  /** onnxruntime graph optimisations (default 'all'; one-off probes use 'basic' to load big graphs cheaply) */
  readonly graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Probes run graphs where a failure is an expected, handled answer (does this CLIP run at 256 px?): such
   * runtimes keep onnxruntime's own log at fatal level, since every failure also comes back as a typed error.
   */
  readonly quiet?: boolean;
  readonly logger?: RuntimeLogger;
}

export interface ModelSession {
  /** A short role name used in errors and logs, e.g. `unet`. */
  readonly label: string;
  readonly path: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /**
   * Validates `feeds` against the inputs (every input present, dtype and fixed dims equal, ranks equal,
   * symbolic dims consistent), then runs. `fetch` restricts the outputs computed and returned. `into` pre-allocates
   * some of the fetched outputs: onnxruntime writes them into the given data (dtype and dims as the graph makes them
   * for these feeds, checked like the feeds), and the same HostTensor is returned — no copy to a fresh buffer.
   */
  run(
    feeds: Readonly<Record<string, HostTensor>>,
    fetch?: readonly string[],
    signal?: AbortSignal,
    into?: Readonly<Record<string, HostTensor>>,
  ): Promise<Record<string, HostTensor>>;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  /**
   * onnxruntime's CPU memory arena (default on): it keeps freed blocks for reuse, which speeds up models of many small
   * tensors, but lets the GiB-sized activations of unfused attention pile up (a real-export UNet at a 64² latent peaked
   * at 17.7 GB with it, 7.5 GB without, at the same speed).
   */
  readonly memoryArena?: boolean;
}

export interface ModelRuntime {
  readonly executionProvider: ExecutionProvider;
  /** Loads a model from a path (external data resolves beside it). */
  load(path: string, label: string, options?: LoadOptions): Promise<ModelSession>;
}
