/**
 * The one module of the project that imports onnxruntime-node. It loads models from paths (so external data
 * resolves beside the graph), uses exactly the execution provider it is told to (logging the choice; a missing
 * CUDA provider is a typed error, never a silent CPU fallback), validates every feed against the session's input
 * metadata before `run()`, and releases sessions explicitly.
 */
import ort from 'onnxruntime-node';
import { ModelRuntimeError } from '../errors';
import { checkDims, describeShape } from './shape-check';
import type {
  ExecutionProvider,
  HostTensor,
  LoadOptions,
  ModelRuntime,
  ModelSession,
  RuntimeOptions,
  TensorDType,
  TensorSpec,
} from './runtime.types';

const SUPPORTED: ReadonlySet<string> = new Set<TensorDType>(['float32', 'float16', 'int32', 'int64', 'bool', 'uint8']);

export const CUDA_HELP =
  "The CUDA execution provider needs onnxruntime-node's GPU provider libraries " +
  '(libonnxruntime_providers_shared.so and libonnxruntime_providers_cuda.so in ' +
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/) plus CUDA 12 and cuDNN 9 on the host. On a networked machine run ' +
  '`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`; offline, copy those two files ' +
  'from runtimes/linux-x64/native/ of the NuGet package Microsoft.ML.OnnxRuntime.Gpu.Linux of the same version (1.30.0). ' +
  'See docs/models.md. Or choose the cpu execution provider.';

function specOf(meta: ort.InferenceSession.ValueMetadata, label: string, path: string): TensorSpec {
  if (!meta.isTensor) {
    throw new ModelRuntimeError(
      'MODEL_LOAD_FAILED',
      `${label} (${path}): value '${meta.name}' is not a tensor; only tensor inputs and outputs are supported`,
    );
  }
  const dtype = String(meta.type);
  if (!SUPPORTED.has(dtype)) {
    throw new ModelRuntimeError(
      'MODEL_LOAD_FAILED',
      `${label} (${path}): tensor '${meta.name}' has dtype ${dtype}; supported: ${[...SUPPORTED].join(', ')}`,
    );
  }
  return {
    name: meta.name,
    dtype: dtype as TensorDType,
    shape: meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' && d ? d : '?')),
  };
}

function isProviderLoadError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /providers_shared|providers_cuda|libcudart|libcublas|libcudnn|CUDA|cuda/i.test(msg);
}

class OrtModelSession implements ModelSession {
  private session: ort.InferenceSession | null;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];

  constructor(
    session: ort.InferenceSession,
    readonly label: string,
    readonly path: string,
  ) {
    this.session = session;
    this.inputs = session.inputMetadata.map((m) => specOf(m, label, path));
    this.outputs = session.outputMetadata.map((m) => specOf(m, label, path));
  }

  validate(feeds: Readonly<Record<string, HostTensor>>, into: Readonly<Record<string, HostTensor>> = {}): void {
    const known = new Set(this.inputs.map((s) => s.name));
    for (const name of Object.keys(feeds)) {
      if (!known.has(name)) {
        throw new ModelRuntimeError(
          'FEED_UNKNOWN',
          `${this.label}: the model has no input '${name}' (inputs: ${[...known].join(', ')})`,
        );
      }
    }
    const bindings = new Map<string, number>();
    for (const spec of this.inputs) {
      const t = feeds[spec.name];
      if (!t) {
        throw new ModelRuntimeError(
          'FEED_MISSING',
          `${this.label}: input '${spec.name}' (${spec.dtype} ${describeShape(spec.shape)}) was not fed`,
        );
      }
      const expected = t.dims.reduce((a, b) => a * b, 1);
      if (t.data.length !== expected) {
        throw new ModelRuntimeError(
          'BAD_ARGUMENT',
          `${this.label}: input '${spec.name}' has ${t.data.length} values for dims ${describeShape(t.dims)} (expected ${expected})`,
        );
      }
      const problem = t.dtype !== spec.dtype ? 'dtype' : checkDims(spec.shape, t.dims, bindings);
      if (problem) {
        throw new ModelRuntimeError(
          'FEED_MISMATCH',
          `${this.label}: input '${spec.name}' expects ${spec.dtype} ${describeShape(spec.shape)}, ` +
            `got ${t.dtype} ${describeShape(t.dims)} (${problem})`,
        );
      }
    }
    // pre-allocated outputs: the dims the inputs bound must hold for them too
    for (const [name, t] of Object.entries(into)) {
      const spec = this.outputs.find((o) => o.name === name);
      if (!spec) {
        throw new ModelRuntimeError('BAD_ARGUMENT', `${this.label}: the model has no output '${name}' to pre-allocate`);
      }
      const expected = t.dims.reduce((a, b) => a * b, 1);
      const problem =
        t.data.length !== expected ? `${t.data.length} values` : t.dtype !== spec.dtype ? 'dtype' : checkDims(spec.shape, t.dims, bindings);
      if (problem) {
        throw new ModelRuntimeError(
          'BAD_ARGUMENT',
          `${this.label}: pre-allocated output '${name}' must be ${spec.dtype} ${describeShape(spec.shape)}, ` +
            `got ${t.dtype} ${describeShape(t.dims)} (${problem})`,
        );
      }
    }
  }

  async run(
    feeds: Readonly<Record<string, HostTensor>>,
    fetch?: readonly string[],
    signal?: AbortSignal,
    into: Readonly<Record<string, HostTensor>> = {},
  ): Promise<Record<string, HostTensor>> {
    const session = this.session;
    if (!session) throw new ModelRuntimeError('DISPOSED', `${this.label}: the session was disposed`);
    if (signal?.aborted) throw new ModelRuntimeError('ABORTED', `${this.label}: aborted before the call`);
    this.validate(feeds, into);
    const outputNames = fetch ?? this.outputs.map((o) => o.name);
    for (const name of Object.keys(into)) {
      if (!outputNames.includes(name)) throw new ModelRuntimeError('BAD_ARGUMENT', `${this.label}: pre-allocated output '${name}' is not fetched`);
    }
    const known = new Set(this.outputs.map((o) => o.name));
    for (const name of outputNames) {
      if (!known.has(name)) {
        throw new ModelRuntimeError(
          'BAD_ARGUMENT',
          `${this.label}: the model has no output '${name}' (outputs: ${[...known].join(', ')})`,
        );
      }
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor(t.dtype, t.data, [...t.dims]);
    }
    // onnxruntime-node takes { name: tensor to write into | null to allocate } as fetches
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of outputNames) {
      const t = into[name];
      fetches[name] = t ? new ort.Tensor(t.dtype, t.data, [...t.dims]) : null;
    }
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await session.run(ortFeeds, fetches);
    } catch (err) {
      throw new ModelRuntimeError(
        'RUN_FAILED',
        `${this.label}: onnxruntime failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    if (signal?.aborted) throw new ModelRuntimeError('ABORTED', `${this.label}: aborted during the call`);
    const out: Record<string, HostTensor> = {};
    for (const name of outputNames) {
      const given = into[name];
      if (given) {
        out[name] = given;
        continue;
      }
      const t = result[name];
      if (!t) throw new ModelRuntimeError('RUN_FAILED', `${this.label}: onnxruntime returned no '${name}'`);
      out[name] = { dtype: t.type as TensorDType, dims: [...t.dims], data: t.data as HostTensor['data'] };
    }
    return out;
  }

  async dispose(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await s.release();
  }
}

class OrtModelRuntime implements ModelRuntime {
  readonly executionProvider: ExecutionProvider;
  constructor(private readonly options: RuntimeOptions) {
    this.executionProvider = options.executionProvider;
  }

  async load(path: string, label: string, loadOptions: LoadOptions = {}): Promise<ModelSession> {
    const { executionProvider, intraOpThreads, interOpThreads, cudaDeviceId } = this.options;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [executionProvider === 'cuda' ? { name: 'cuda', deviceId: cudaDeviceId ?? 0 } : 'cpu'],
      graphOptimizationLevel: this.options.graphOptimization ?? 'all',
      enableCpuMemArena: loadOptions.memoryArena ?? true,
      logSeverityLevel: this.options.quiet ? 4 : 3,
      ...(intraOpThreads ? { intraOpNumThreads: intraOpThreads } : {}),
      ...(interOpThreads ? { interOpNumThreads: interOpThreads } : {}),
    };
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, sessionOptions);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      if (executionProvider === 'cuda' && isProviderLoadError(err)) {
        throw new ModelRuntimeError(
          'PROVIDER_UNAVAILABLE',
          `${label}: the CUDA execution provider could not be loaded (${detail.split('\n')[0]}). ${CUDA_HELP}`,
          { cause: err },
        );
      }
      throw new ModelRuntimeError('MODEL_LOAD_FAILED', `${label}: cannot load ${path}: ${detail}`, { cause: err });
    }
    this.options.logger?.info({ model: label, path, executionProvider }, 'model loaded');
    return new OrtModelSession(session, label, path);
  }
}

/** Creates the onnxruntime-node runtime with an explicit execution provider; logs the choice. */
export function createOnnxRuntime(options: RuntimeOptions): ModelRuntime {
  if (options.executionProvider !== 'cpu' && options.executionProvider !== 'cuda') {
    throw new ModelRuntimeError(
      'BAD_ARGUMENT',
      `unknown execution provider '${String(options.executionProvider)}' (use cpu or cuda)`,
    );
  }
  options.logger?.info(
    {
      executionProvider: options.executionProvider,
      intraOpThreads: options.intraOpThreads ?? 'default',
      interOpThreads: options.interOpThreads ?? 'default',
    },
    `onnxruntime-node ${ort.env.versions.common}: using the ${options.executionProvider} execution provider`,
  );
  return new OrtModelRuntime(options);
}
