/**
 * Measures how a model's attention tensors grow with its input side, for the memory preflight: every Softmax
 * output is exposed in a probe copy of the graph, the model runs at `side` and 2·side, and each Softmax's growth
 * exponent is read off the two sizes (4 for self-attention over HW tokens, 2 for cross-attention to text).
 * Generic on purpose: no node names or block layouts are assumed, only that attention ends in a Softmax.
 */
import type { AttentionPeak } from '../manifest/manifest.schema';
import { node } from '../onnx/graph-builder';
import { onnx } from '../onnx/onnx-proto';
import type { GraphEdit, GraphSummary } from '../onnx/wire';
import type { HostTensor, ModelSession, TensorDType } from '../runtime/runtime.types';

const BYTES: Readonly<Record<TensorDType, number>> = { float32: 4, float16: 2, int32: 4, int64: 8, bool: 1, uint8: 1 };

/** An edit exposing every Softmax output (default domain) not already exposed, and the output name per node. */
export function exposeSoftmaxOutputs(g: GraphSummary, already: ReadonlyMap<string, string> = new Map()): { edit: GraphEdit; outputs: Map<string, string> } {
  const outputs = new Map<string, string>();
  const appendNodes = [];
  const appendOutputs = [];
  let i = 0;
  for (const n of g.nodes) {
    if (n.opType !== 'Softmax' || (n.domain ?? '') !== '') continue;
    const known = already.get(n.name);
    if (known) {
      outputs.set(n.name, known);
      continue;
    }
    const name = `refdiff_probe_softmax_${i++}`;
    appendNodes.push(node('Identity', [n.output[0]], [name]));
    appendOutputs.push(onnx.ValueInfoProto.create({ name }));
    outputs.set(n.name, name);
  }
  return { edit: { appendNodes, appendOutputs }, outputs };
}

/** One probe run's Softmax output dims, per node. */
export interface SoftmaxRun {
  readonly side: number;
  readonly batch: number;
  readonly dims: ReadonlyMap<string, readonly number[]>;
  readonly dtype: TensorDType;
}

export async function runSoftmaxProbe(
  session: ModelSession,
  outputs: ReadonlyMap<string, string>,
  feeds: Record<string, HostTensor>,
  side: number,
  batch: number,
): Promise<SoftmaxRun> {
  const names = [...outputs.values()];
  const out = await session.run(feeds, names);
  const dims = new Map<string, readonly number[]>();
  let dtype: TensorDType = 'float32';
  for (const [nodeName, output] of outputs) {
    dims.set(nodeName, out[output].dims);
    dtype = out[output].dtype;
  }
  return { side, batch, dims, dtype };
}

/**
 * The growth terms from two runs (the second at a larger side), or from one run when the graph's size is fixed
 * (then the exponent is inferred: 4 when the last two dims are equal, self-attention; else 2). Per exponent the
 * largest tensor is kept; no terms when the graph has no Softmax.
 */
export function attentionPeakOf(first: SoftmaxRun, second?: SoftmaxRun): AttentionPeak {
  const best = new Map<number, { elements: number; node: string }>();
  for (const [nodeName, d] of first.dims) {
    const elements = d.reduce((a, b) => a * b, 1) / first.batch;
    let exponent: number;
    const d2 = second?.dims.get(nodeName);
    if (second && d2) {
      const grown = d2.reduce((a, b) => a * b, 1) / second.batch;
      exponent = Math.max(0, Math.round(Math.log(grown / elements) / Math.log(second.side / first.side)));
    } else exponent = d.length >= 2 && d[d.length - 1] === d[d.length - 2] ? 4 : 2;
    const prev = best.get(exponent);
    if (!prev || elements > prev.elements) best.set(exponent, { elements: Math.max(1, Math.ceil(elements)), node: nodeName });
  }
  const terms = [...best.entries()].sort((a, b) => b[0] - a[0]).map(([exponent, t]) => ({ exponent, elements: t.elements, node: t.node }));
  return { side: first.side, bytesPerElement: BYTES[first.dtype], terms };
}
