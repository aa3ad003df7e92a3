/**
 * UNet surgery: make onnxruntime return the cross-attention of chosen layers. For each `/attn2/` Softmax an
 * Identity node copies its input (the scaled logits QKᵀ·d^-½) and/or its output (the probabilities) to a new
 * graph output with a stable name. Only the small graph file changes (wire-level edit); the external weights are
 * neither read nor rewritten.
 */
import { node } from '../onnx/graph-builder';
import { onnx } from '../onnx/onnx-proto';
import type { SoftmaxSite } from '../onnx/graph-analysis';
import { editModel } from '../onnx/wire';

export type AttentionKind = 'logits' | 'probs';

export function readoutName(layer: string, kind: AttentionKind): string {
  return `xattn_${kind}.${layer}`;
}

export interface ExposedReadout {
  readonly site: SoftmaxSite;
  readonly logits?: string;
  readonly probs?: string;
}

export function exposeUnetAttention(
  bytes: Uint8Array,
  sites: readonly SoftmaxSite[],
  kinds: readonly AttentionKind[],
  what: string,
): { bytes: Uint8Array; readouts: ExposedReadout[] } {
  const nodes = [];
  const outputs = [];
  const readouts: ExposedReadout[] = [];
  for (const site of sites) {
    const r: { site: SoftmaxSite; logits?: string; probs?: string } = { site };
    for (const kind of kinds) {
      const name = readoutName(site.layer, kind);
      nodes.push(node('Identity', [kind === 'logits' ? site.logits : site.probs], [name], { name: `/refdiff/${name}` }));
      // Name only: onnxruntime infers dtype (fp32 or fp16 exports) and dims.
      outputs.push(onnx.ValueInfoProto.create({ name }));
      r[kind] = name;
    }
    readouts.push(r);
  }
  return { bytes: editModel(bytes, { appendNodes: nodes, appendOutputs: outputs }, what), readouts };
}
