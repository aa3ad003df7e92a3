/**
 * The masked CLIP encoder as the reference runs it (kodenii/Ref-Diff `multi_class_forward`), and its per-layer
 * readouts (issue 13 pt 3, `maskedLayer`):
 *
 * - **N region tokens in one sequence.** After the embeddings (CLS + patches + positions), the CLS row is repeated
 *   N times in place of the one CLS token: [B, N + P, D]. N is read from the attention bias, [B, 1, N + P, N + P]
 *   (N = its token count − P), so one call scores every proposal: region i sees itself and the patches inside M_i,
 *   patches see every patch but no region token (the bias says so; method.md §3). Patches never see a region
 *   token, so this equals running the image once per region — at the cost of one pass.
 * - **Readout after any layer.** The paper reads f_Mi at its second layer; the reference code reads the last. The
 *   readout is the export's own: the nodes between the last hidden state and `image_embeds` (the final layernorm —
 *   post_layernorm / ln_post — and the visual projection of token 0, as the reference applies ln_post and proj to
 *   each token after the last block). For every layer k that subgraph is cloned onto the first N rows of the hidden
 *   state after layer k, laid out as N sequences of one token ([N, 1, D]), giving `region_embeds_layer<k>` [N, E]
 *   (`region_embeds` for the last layer). Weights are shared; only a few small nodes are added.
 *
 * Finding the hidden states: layer l's nodes are those named under its self-attention scope's parent
 * (`/vision_model/encoder/layers.<l>/`); the hidden state entering layer l is the one activation its nodes read from
 * outside that scope (not a weight, a Constant, a graph input or the attention-bias plumbing). The last hidden state
 * is the tensor behind the `last_hidden_state` output. Batch 1 (one image, N regions).
 */
import { ModelPackError } from '../errors';
import type { SoftmaxSite } from '../onnx/graph-analysis';
import { node, tensor } from '../onnx/graph-builder';
import { onnx, type OnnxTypes } from '../onnx/onnx-proto';
import { editModel, type GraphSummary } from '../onnx/wire';
import { ATTENTION_BIAS_INPUT } from './clip-surgery';

export const REGION_OUTPUT = 'region_embeds';
export const REGION_LAYER_PREFIX = 'region_embeds_layer';

export interface RegionEncoder {
  readonly bytes: Uint8Array;
  /** output name of the region readout after layer k (index k − 1), [N, E]; the last is `region_embeds` */
  readonly outputs: readonly string[];
  /** the hidden state [1, N + P, D] after layer k (index k − 1) that each readout reads */
  readonly hidden: readonly string[];
}

function layerPrefix(site: SoftmaxSite): string {
  const at = site.node.indexOf('/self_attn/');
  return at < 0 ? '' : site.node.slice(0, at + 1);
}

/**
 * Rewrites a biased CLIP vision graph (addClipAttentionBias done) into the N-region-token encoder with per-layer
 * readouts. `embeddings` is the output of the position Add (the embedded tokens [B, 1 + P, D]). Returns the reason
 * when the layout is not understood.
 */
export function regionTokenEncoder(
  bytes: Uint8Array,
  g: GraphSummary,
  sites: readonly SoftmaxSite[],
  embeddings: string,
  what: string,
): RegionEncoder | { readonly unsupported: string } {
  const producer = new Map<string, OnnxTypes.NodeProto>();
  for (const n of g.nodes) for (const o of n.output) producer.set(o, n);
  const graphInputs = new Set(g.inputs.map((i) => i.name));
  if (!graphInputs.has(ATTENTION_BIAS_INPUT)) return { unsupported: `no ${ATTENTION_BIAS_INPUT} input` };
  const prefixes = sites.map(layerPrefix);
  if (prefixes.length === 0 || prefixes.some((p) => p === '') || new Set(prefixes).size !== prefixes.length) {
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
  hidden.push(last);

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

  // --- N region tokens in place of the CLS token
  const embConsumers = g.nodes.filter((n) => n.input.includes(embeddings));
  if (embConsumers.length === 0 || embConsumers.some((n) => !n.name)) return { unsupported: `the embeddings ${embeddings} have no (named) consumer` };
  const R = '/refdiff/regions';
  const t = (n: string) => `${R}/${n}`;
  const inits: OnnxTypes.ITensorProto[] = [
    tensor(t('zero'), 'int64', [1], [0]),
    tensor(t('one'), 'int64', [1], [1]),
    tensor(t('two'), 'int64', [1], [2]),
    tensor(t('three'), 'int64', [1], [3]),
    tensor(t('end'), 'int64', [1], [2 ** 31 - 1]),
  ];
  const nodes: OnnxTypes.INodeProto[] = [];
  const op = (type: string, inputs: string[], out: string, attributes?: Record<string, number | readonly number[]>) => {
    nodes.push(node(type, inputs, [t(out)], { name: t(out), ...(attributes ? { attributes } : {}) }));
    return t(out);
  };
  const embShape = op('Shape', [embeddings], 'emb_shape');
  const tokens = op('Slice', [embShape, t('one'), t('two'), t('zero')], 'emb_tokens');
  const biasTokens = op('Slice', [op('Shape', [ATTENTION_BIAS_INPUT], 'bias_shape'), t('two'), t('three'), t('zero')], 'bias_tokens');
  // N = (N + P) − (1 + P) + 1
  const regions = op('Add', [op('Sub', [biasTokens, tokens], 'extra'), t('one')], 'count');
  const expandShape = op('Concat', [op('Slice', [embShape, t('zero'), t('one'), t('zero')], 'emb_batch'), regions, op('Slice', [embShape, t('two'), t('three'), t('zero')], 'emb_width')], 'cls_shape', { axis: 0 });
  const cls = op('Slice', [embeddings, t('zero'), t('one'), t('one')], 'cls');
  const patches = op('Slice', [embeddings, t('one'), t('end'), t('one')], 'patches');
  const withRegions = op('Concat', [op('Expand', [cls, expandShape], 'cls_n'), patches], 'tokens', { axis: 1 });
  const renameInputs = new Map(embConsumers.map((n) => [n.name, { from: embeddings, to: withRegions }]));

  // --- per-layer readouts of the N region tokens
  const appendNodes: OnnxTypes.INodeProto[] = [];
  const appendOutputs: OnnxTypes.IValueInfoProto[] = [];
  const outputs: string[] = [];
  const inner = new Set(readout.flatMap((n) => n.output));
  hidden.forEach((h, i) => {
    const k = i + 1;
    const out = k === L ? REGION_OUTPUT : `${REGION_LAYER_PREFIX}${k}`;
    const s = `/refdiff/regions/layer${k}`;
    // the first N rows of [1, N + P, D] as N sequences of one token: [N, 1, D]
    appendNodes.push(
      node('Slice', [h, t('zero'), regions, t('one')], [`${s}/rows`], { name: `${s}/rows` }),
      node('Transpose', [`${s}/rows`], [`${s}/sequences`], { name: `${s}/sequences`, attributes: { perm: [1, 0, 2] } }),
    );
    const rename = (x: string) => (x === 'image_embeds' ? out : inner.has(x) ? `${x}/refdiff_region_layer${k}` : x === last ? `${s}/sequences` : x);
    for (const n of readout) {
      appendNodes.push(onnx.NodeProto.create({ ...n, name: `${n.name || n.output[0]}/refdiff_region_layer${k}`, input: n.input.map(rename), output: n.output.map(rename) }));
    }
    const dims = embedsOut.type?.tensorType?.shape?.dim ?? [];
    const type = onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: embedsOut.type?.tensorType?.elemType ?? onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({ dim: [onnx.TensorShapeProto.Dimension.create({ dimParam: 'regions' }), ...dims.slice(1)] }),
      }),
    });
    appendOutputs.push(onnx.ValueInfoProto.create({ name: out, type }));
    outputs.push(out);
  });
  const first = embConsumers[0].name;
  return {
    bytes: editModel(bytes, { insertBefore: new Map([[first, nodes]]), renameInputs, appendNodes, appendOutputs, appendInitializers: inits }, what),
    outputs,
    hidden,
  };
}

export function assertRegionEncoder(r: RegionEncoder | { readonly unsupported: string }, what: string): RegionEncoder {
  if ('unsupported' in r) throw new ModelPackError('EXPORT_UNSUPPORTED', `${what}: region-token encoder: ${r.unsupported}`);
  return r;
}
