/**
 * Per-layer readouts of the masked CLIP encoder (issue 13 pt 3, `maskedLayer`). The paper reads f_Mi at its second
 * layer; the reference code reads the last. The readout is the export's own: the region (CLS) token of the hidden
 * state, the final layernorm (post_layernorm / ln_post) and the visual projection — as the reference's
 * `multi_class_forward` applies ln_post and proj to every token after the last block. For every layer k < L the
 * export's readout subgraph (the nodes between the last hidden state and `image_embeds`) is cloned with the hidden
 * state after layer k as its input, giving an output `image_embeds_layer<k>`; layer L's readout is `image_embeds`
 * itself. The weights are shared (the clones name the same initializers); only a few small nodes are added.
 *
 * Finding the hidden states: layer l's nodes are those named under its self-attention scope's parent
 * (`/vision_model/encoder/layers.<l>/`); the hidden state entering layer l is the one activation its nodes read
 * from outside that scope (not a weight, a Constant, a graph input or the attention-bias plumbing). The last hidden
 * state is the tensor behind the `last_hidden_state` output.
 */
import { ModelPackError } from '../errors';
import type { SoftmaxSite } from '../onnx/graph-analysis';
import { onnx, type OnnxTypes } from '../onnx/onnx-proto';
import { editModel, type GraphSummary } from '../onnx/wire';

export const LAYER_READOUT_PREFIX = 'image_embeds_layer';

export interface LayerReadouts {
  readonly bytes: Uint8Array;
  /** output name of the readout after layer k (index k − 1); the last is `image_embeds` */
  readonly outputs: readonly string[];
  /** the hidden state [B, T, D] after layer k (index k − 1) that each readout reads */
  readonly hidden: readonly string[];
}

function layerPrefix(site: SoftmaxSite): string {
  const at = site.node.indexOf('/self_attn/');
  return at < 0 ? '' : site.node.slice(0, at + 1);
}

/**
 * Adds the per-layer readout outputs. Returns null (with the reason) when the graph's layout is not understood;
 * the caller then offers only the last layer.
 */
export function exposeClipLayerReadouts(
  bytes: Uint8Array,
  g: GraphSummary,
  sites: readonly SoftmaxSite[],
  what: string,
): LayerReadouts | { readonly unsupported: string } {
  const producer = new Map<string, OnnxTypes.NodeProto>();
  for (const n of g.nodes) for (const o of n.output) producer.set(o, n);
  const graphInputs = new Set(g.inputs.map((i) => i.name));
  const prefixes = sites.map(layerPrefix);
  if (prefixes.some((p) => p === '') || new Set(prefixes).size !== prefixes.length) {
    return { unsupported: 'self-attention Softmax nodes are not each under their own layer scope' };
  }
  // constants: initializers, Constant outputs and whatever is computed from constants only (e.g. Identity of a weight)
  const constant = new Set(g.initializerNames);
  for (const n of g.nodes) {
    const inputs = n.input.filter((i) => i);
    if (n.opType === 'Constant' || (inputs.length > 0 && inputs.every((i) => constant.has(i)))) for (const o of n.output) constant.add(o);
  }
  const isActivation = (t: string) => !!t && !constant.has(t) && !graphInputs.has(t) && !t.startsWith('/refdiff/') && producer.has(t);
  /** hidden state entering layer l (0-based) */
  const entering = (l: number): string | null => {
    const prefix = prefixes[l];
    const inside = g.nodes.filter((n) => n.name.startsWith(prefix));
    const made = new Set(inside.flatMap((n) => n.output));
    const outside = new Set(inside.flatMap((n) => n.input).filter((t) => !made.has(t) && isActivation(t)));
    return outside.size === 1 ? [...outside][0] : null;
  };
  const L = sites.length;
  const hidden: string[] = [];
  for (let l = 1; l < L; l++) {
    const h = entering(l);
    if (!h) return { unsupported: `cannot tell the hidden state entering ${prefixes[l]}` };
    hidden.push(h);
  }
  const lastOut = g.outputs.find((o) => o.name === 'last_hidden_state');
  const embedsOut = g.outputs.find((o) => o.name === 'image_embeds');
  if (!lastOut || !embedsOut) return { unsupported: 'no last_hidden_state or image_embeds output' };
  let last = lastOut.name;
  for (let p = producer.get(last); p && p.opType === 'Identity'; p = producer.get(last)) last = p.input[0];

  // readout = descendants of `last` that are ancestors of image_embeds
  const consumers = new Map<string, OnnxTypes.NodeProto[]>();
  for (const n of g.nodes) for (const i of n.input) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const below = new Set<OnnxTypes.NodeProto>();
  const stack = [last];
  while (stack.length) {
    for (const n of consumers.get(stack.pop() as string) ?? []) {
      if (below.has(n)) continue;
      below.add(n);
      stack.push(...n.output);
    }
  }
  const above = new Set<OnnxTypes.NodeProto>();
  const up = ['image_embeds'];
  while (up.length) {
    const p = producer.get(up.pop() as string);
    if (!p || above.has(p)) continue;
    above.add(p);
    up.push(...p.input);
  }
  const readout = g.nodes.filter((n) => below.has(n) && above.has(n));
  if (readout.length === 0 || readout.some((n) => n.name.startsWith(prefixes[L - 1]))) {
    return { unsupported: 'the readout from the last hidden state to image_embeds could not be isolated' };
  }
  if (readout.length > 64) return { unsupported: `the readout has ${readout.length} nodes; expected a layernorm and a projection` };

  const appendNodes: OnnxTypes.INodeProto[] = [];
  const appendOutputs: OnnxTypes.IValueInfoProto[] = [];
  const outputs: string[] = [];
  hidden.forEach((h, i) => {
    const k = i + 1;
    const out = `${LAYER_READOUT_PREFIX}${k}`;
    const inner = new Set(readout.flatMap((n) => n.output));
    const rename = (t: string) => (t === 'image_embeds' ? out : inner.has(t) ? `${t}/refdiff_layer${k}` : t === last ? h : t);
    for (const n of readout) {
      const c = onnx.NodeProto.create({ ...n, name: `${n.name || n.output[0]}/refdiff_layer${k}`, input: n.input.map(rename), output: n.output.map(rename) });
      appendNodes.push(c);
    }
    appendOutputs.push(onnx.ValueInfoProto.create({ name: out, type: embedsOut.type }));
    outputs.push(out);
  });
  outputs.push('image_embeds');
  const all = [...hidden, last];
  if (hidden.length === 0) return { bytes, outputs, hidden: all };
  return { bytes: editModel(bytes, { appendNodes, appendOutputs }, what), outputs, hidden: all };
}

export function assertReadouts(r: LayerReadouts | { readonly unsupported: string }, what: string): LayerReadouts {
  if ('unsupported' in r) throw new ModelPackError('EXPORT_UNSUPPORTED', `${what}: per-layer readout: ${r.unsupported}`);
  return r;
}
