/**
 * One model of a pack: loaded lazily on first use, checked against the manifest when it loads (a pack whose
 * graph does not match its manifest fails naming the file and tensor), outputs checked on every call.
 */
import { ModelPackError, ModelRuntimeError } from '../errors';
import type { ManifestModel, ModelRole } from '../manifest/manifest.schema';
import type { HostTensor, ModelRuntime, ModelSession, TensorSpec } from '../runtime/runtime.types';
import { checkDims, describeShape } from '../runtime/shape-check';

function compatible(declared: TensorSpec, actual: TensorSpec): string | null {
  if (declared.dtype !== actual.dtype) return `dtype ${actual.dtype}, manifest says ${declared.dtype}`;
  if (actual.shape.length === 0 && declared.shape.length > 0) return null; // onnxruntime could not infer it
  if (actual.shape.length !== declared.shape.length) return `shape ${describeShape(actual.shape)}, manifest says ${describeShape(declared.shape)}`;
  for (let i = 0; i < declared.shape.length; i++) {
    const d = declared.shape[i];
    const a = actual.shape[i];
    if (typeof d === 'number' && typeof a === 'number' && d !== a) return `shape ${describeShape(actual.shape)}, manifest says ${describeShape(declared.shape)}`;
  }
  return null;
}

/** Compares a loaded session's tensors with the manifest entry; lists every difference. */
export function contractProblems(role: string, entry: ManifestModel, session: Pick<ModelSession, 'inputs' | 'outputs'>): string[] {
  const problems: string[] = [];
  const check = (kind: 'input' | 'output', declared: readonly TensorSpec[], actual: readonly TensorSpec[]) => {
    const byName = new Map(actual.map((a) => [a.name, a]));
    for (const d of declared) {
      const a = byName.get(d.name);
      if (!a) problems.push(`${role} (${entry.file}): ${kind} '${d.name}' is in the manifest but not in the graph`);
      else {
        const p = compatible(d, a);
        if (p) problems.push(`${role} (${entry.file}): ${kind} '${d.name}' has ${p}`);
      }
    }
    if (kind === 'input') {
      const known = new Set(declared.map((d) => d.name));
      for (const a of actual) if (!known.has(a.name)) problems.push(`${role} (${entry.file}): input '${a.name}' is in the graph but not in the manifest`);
    }
  };
  check('input', entry.inputs, session.inputs);
  check('output', entry.outputs, session.outputs);
  return problems;
}

/** Models whose attention grows with the requested image size: loaded without the CPU arena (LoadOptions). */
const IMAGE_SIZED_ATTENTION: ReadonlySet<ModelRole> = new Set<ModelRole>(['unet', 'vaeEncoder', 'clipVision', 'clipVisionMasked']);

export class PackSession {
  private loading: Promise<ModelSession> | null = null;
  private loaded: ModelSession | null = null;
  private disposed = false;

  constructor(
    readonly role: ModelRole,
    readonly entry: ManifestModel,
    private readonly path: string,
    private readonly runtime: ModelRuntime,
  ) {}

  spec(kind: 'inputs' | 'outputs', name: string): TensorSpec {
    const s = this.entry[kind].find((t) => t.name === name);
    if (!s) throw new ModelPackError('CONTRACT_MISMATCH', `${this.role} (${this.entry.file}): the manifest lists no ${kind.slice(0, -1)} '${name}'`);
    return s;
  }

  /** The fixed batch size of an input, if the graph fixes one. */
  fixedBatch(input: string): number | undefined {
    const d = this.spec('inputs', input).shape[0];
    return typeof d === 'number' ? d : undefined;
  }

  async session(): Promise<ModelSession> {
    if (this.disposed) throw new ModelRuntimeError('DISPOSED', `${this.role}: the model pack was disposed`);
    this.loading ??= (async () => {
      const s = await this.runtime.load(this.path, this.role, { memoryArena: !IMAGE_SIZED_ATTENTION.has(this.role) });
      const problems = contractProblems(this.role, this.entry, s);
      if (problems.length) {
        await s.dispose();
        throw new ModelPackError('CONTRACT_MISMATCH', `the graph does not match the manifest:\n${problems.map((p) => `  ${p}`).join('\n')}`);
      }
      if (this.disposed) {
        await s.dispose();
        throw new ModelRuntimeError('DISPOSED', `${this.role}: the model pack was disposed`);
      }
      this.loaded = s;
      return s;
    })();
    try {
      return await this.loading;
    } catch (err) {
      this.loading = null; // a later call may retry (e.g. after fixing the environment)
      throw err;
    }
  }

  /** ModelSession.run (`into`: pre-allocated outputs) with the outputs checked against the manifest. */
  async run(
    feeds: Readonly<Record<string, HostTensor>>,
    fetch: readonly string[],
    signal?: AbortSignal,
    into?: Readonly<Record<string, HostTensor>>,
  ): Promise<Record<string, HostTensor>> {
    const s = await this.session();
    const out = await (into ? s.run(feeds, fetch, signal, into) : s.run(feeds, fetch, signal));
    const bindings = new Map<string, number>();
    for (const spec of this.entry.inputs) {
      const f = feeds[spec.name];
      if (f) checkDims(spec.shape, f.dims, bindings);
    }
    for (const name of fetch) {
      const spec = this.spec('outputs', name);
      const t = out[name];
      const problem = t.dtype !== spec.dtype ? `dtype ${t.dtype}` : checkDims(spec.shape, t.dims, bindings);
      if (problem) {
        throw new ModelRuntimeError(
          'OUTPUT_MISMATCH',
          `${this.role}: output '${name}' is ${t.dtype} ${describeShape(t.dims)}, the manifest says ${spec.dtype} ${describeShape(spec.shape)} (${problem})`,
        );
      }
    }
    return out;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const s = this.loaded;
    this.loaded = null;
    if (s) await s.dispose();
  }
}
