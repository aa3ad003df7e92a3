/** Reading what a graph offers: its tensor contract, attention Softmax nodes, fused attention ops. */
import { ModelPackError } from '../errors';
import type { TensorDType, TensorSpec } from '../runtime/runtime.types';
import { OnnxDataType, type OnnxTypes } from './onnx-proto';
import type { GraphSummary } from './wire';

const DTYPES: Record<number, TensorDType> = {
  [OnnxDataType.FLOAT]: 'float32',
  [OnnxDataType.FLOAT16]: 'float16',
  [OnnxDataType.INT32]: 'int32',
  [OnnxDataType.INT64]: 'int64',
  [OnnxDataType.BOOL]: 'bool',
  [OnnxDataType.UINT8]: 'uint8',
};

export function tensorSpecOf(v: OnnxTypes.IValueInfoProto, what: string): TensorSpec {
  const t = v.type?.tensorType;
  const dtype = t ? DTYPES[t.elemType ?? 0] : undefined;
  if (!dtype) {
    throw new ModelPackError(
      'EXPORT_UNSUPPORTED',
      `${what}: tensor '${v.name}' has element type ${t?.elemType ?? 'none'}; supported: float32, float16, int32, int64, bool, uint8`,
    );
  }
  const shape = (t?.shape?.dim ?? []).map((d) =>
    d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : '?',
  );
  return { name: v.name ?? '', dtype, shape };
}

/** Graph inputs that are real inputs (old exports also list initializers as inputs). */
export function graphInputs(g: GraphSummary, what: string): TensorSpec[] {
  return g.inputs.filter((i) => !g.initializerNames.has(i.name)).map((i) => tensorSpecOf(i, what));
}

export function graphOutputs(g: GraphSummary, what: string): TensorSpec[] {
  return g.outputs.map((o) => tensorSpecOf(o, what));
}

/** Attention ops that fuse QKᵀ, Softmax and ·V into one kernel: the probabilities can't be read out. */
const FUSED = new Set(['MultiHeadAttention', 'Attention', 'PackedAttention', 'PackedMultiHeadAttention', 'GroupQueryAttention', 'DecoderMaskedMultiHeadAttention']);

export function fusedAttentionNodes(g: GraphSummary): OnnxTypes.NodeProto[] {
  return g.nodes.filter((n) => FUSED.has(n.opType) && (n.domain === 'com.microsoft' || n.domain === '' || n.domain === 'ai.onnx'));
}

export interface SoftmaxSite {
  /** node name */
  readonly node: string;
  /** diffusers/transformers module path: "down_blocks.2.attentions.0", "vision_model.encoder.layers.3" */
  readonly layer: string;
  /** the Softmax input: the scaled logits */
  readonly logits: string;
  /** the Softmax output: the attention probabilities */
  readonly probs: string;
  readonly softmaxNode: OnnxTypes.NodeProto;
}

/** Module path of a node named like `/down_blocks.2/attentions.0/transformer_blocks.0/attn2/Softmax`. */
export function layerOf(nodeName: string, marker: string): string {
  const parts = nodeName.replace(/^\//, '').split('/');
  const at = parts.indexOf(marker);
  const path = parts.slice(0, at < 0 ? parts.length - 1 : at).filter((p) => p !== 'transformer_blocks.0');
  return path.join('.');
}

/** Softmax nodes whose name has `/<marker>/` (attn2 = UNet cross-attention, self_attn = CLIP). */
export function softmaxSites(g: GraphSummary, marker: string): SoftmaxSite[] {
  return g.nodes
    .filter((n) => n.opType === 'Softmax' && (n.domain ?? '') === '' && n.name.includes(`/${marker}/`))
    .map((n) => ({ node: n.name, layer: layerOf(n.name, marker), logits: n.input[0], probs: n.output[0], softmaxNode: n }));
}
