/**
 * Tiny deterministic ONNX graphs with the tensor contracts and node patterns of the public exports
 * (method.md §7), for testing pack preparation and the runtime. Weights are pseudo-random from a seed: these
 * graphs compute honestly but understand nothing (the fixture pack in ../fixture does). Attention layers are
 * built exactly as the exporters lay them out, so the weights are exported too, for reference computations.
 */
import { node, tensor, valueInfo, type AttributeValue, type GraphDType, type GraphSpec } from '../onnx/graph-builder';
import type { OnnxTypes } from '../onnx/onnx-proto';
import { createUniformRng } from '@refdiff/pipeline';

/** Uniform [0, 1) stream from a seed: the pipeline's mulberry32 generator, so one PRNG serves the whole repo. */
export const prng = createUniformRng;

export function randomArray(n: number, rand: () => number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * scale;
  return a;
}

export class Builder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly inits: OnnxTypes.ITensorProto[] = [];
  readonly weights = new Map<string, Float32Array>();
  constructor(private readonly rand: () => number) {}
  weight(name: string, dims: number[], scale = 0.5): string {
    const data = randomArray(dims.reduce((a, b) => a * b, 1), this.rand, scale);
    this.weights.set(name, data);
    this.inits.push(tensor(name, 'float32', dims, data));
    return name;
  }
  ints(name: string, values: number[]): string {
    this.inits.push(tensor(name, 'int64', [values.length], values));
    return name;
  }
  floats(name: string, values: number[]): string {
    this.inits.push(tensor(name, 'float32', [values.length], values));
    return name;
  }
  scalar(name: string, value: number): string {
    this.inits.push(tensor(name, 'float32', [], [value]));
    return name;
  }
  op(opType: string, inputs: string[], output: string, name?: string, attributes?: Record<string, AttributeValue>): string {
    this.nodes.push(node(opType, inputs, [output], { name: name ?? `${output}/${opType}`, attributes }));
    return output;
  }
}

export type AttentionLayout = 'bh-hw-t' | 'b-h-hw-t';

/**
 * Multi-head attention of tokens x [B, N, C] over context c [B, M, Dc] in the given layout, named as
 * diffusers/transformers exports name it: `${prefix}/Softmax` over scaled logits `${prefix}/Mul`.
 * Returns the [B, N, heads·dh] result. `tokens` is `[B, N, ·]`'s N if static, for layout reshapes.
 */
export function attention(
  b: Builder,
  prefix: string,
  x: string,
  c: string,
  dims: { c: number; dc: number; heads: number; dh: number; m: number },
  layout: AttentionLayout,
  bias?: string,
): string {
  const inner = dims.heads * dims.dh;
  const q = b.op('MatMul', [x, b.weight(`${prefix}/to_q.weight`, [dims.c, inner])], `${prefix}/q`);
  const k = b.op('MatMul', [c, b.weight(`${prefix}/to_k.weight`, [dims.dc, inner])], `${prefix}/k`);
  const v = b.op('MatMul', [c, b.weight(`${prefix}/to_v.weight`, [dims.dc, inner])], `${prefix}/v`);
  const split = (t: string) =>
    b.op('Transpose', [b.op('Reshape', [t, b.ints(`${t}/split_shape`, [0, -1, dims.heads, dims.dh])], `${t}/split`)], `${t}/bhnd`, undefined, { perm: [0, 2, 1, 3] });
  let q4 = split(q);
  let k4 = split(k);
  let v4 = split(v);
  if (layout === 'bh-hw-t') {
    // [B·heads, N, dh]: N from the runtime shape of q
    const n = b.op('Gather', [b.op('Shape', [q], `${prefix}/q_shape`), b.ints(`${prefix}/one`, [1])], `${prefix}/n`, undefined, { axis: 0 });
    const shapeN = b.op('Concat', [b.ints(`${prefix}/minus1`, [-1]), n, b.ints(`${prefix}/dh`, [dims.dh])], `${prefix}/shape_n`, undefined, { axis: 0 });
    q4 = b.op('Reshape', [q4, shapeN], `${prefix}/q3`);
    // self-attention: keys have as many tokens as queries (any image size); cross-attention: the context's m
    const shapeM = c === x ? shapeN : b.ints(`${prefix}/shape_m`, [-1, dims.m, dims.dh]);
    k4 = b.op('Reshape', [k4, shapeM], `${prefix}/k3`);
    v4 = b.op('Reshape', [v4, shapeM], `${prefix}/v3`);
  }
  const kt = b.op('Transpose', [k4], `${prefix}/kT`, undefined, { perm: layout === 'bh-hw-t' ? [0, 2, 1] : [0, 1, 3, 2] });
  const scores = b.op('MatMul', [q4, kt], `${prefix}/MatMul_output_0`, `${prefix}/MatMul`);
  let logits = b.op('Mul', [scores, b.scalar(`${prefix}/scale`, 1 / Math.sqrt(dims.dh))], `${prefix}/Mul_output_0`, `${prefix}/Mul`);
  if (bias) logits = b.op('Add', [logits, bias], `${prefix}/Add_output_0`, `${prefix}/Add`);
  const probs = b.op('Softmax', [logits], `${prefix}/Softmax_output_0`, `${prefix}/Softmax`, { axis: -1 });
  let out = b.op('MatMul', [probs, v4], `${prefix}/MatMul_1_output_0`, `${prefix}/MatMul_1`);
  if (layout === 'bh-hw-t') {
    const n = `${prefix}/n`;
    const s4 = b.op('Concat', [b.ints(`${prefix}/minus1b`, [-1]), b.ints(`${prefix}/heads`, [dims.heads]), n, `${prefix}/dh`], `${prefix}/shape4`, undefined, { axis: 0 });
    out = b.op('Reshape', [out, s4], `${prefix}/out4`);
  }
  out = b.op('Transpose', [out], `${prefix}/out_bnhd`, undefined, { perm: [0, 2, 1, 3] });
  out = b.op('Reshape', [out, b.ints(`${prefix}/merge_shape`, [0, -1, inner])], `${prefix}/out_merged`);
  return b.op('MatMul', [out, b.weight(`${prefix}/to_out.weight`, [inner, dims.c])], `${prefix}/out`);
}

export interface TinyUnetOptions {
  readonly layout: AttentionLayout;
  readonly seed?: number;
  readonly channels?: number; // latent channels, 4
  readonly hidden?: number; // text hidden size
  readonly heads?: number;
  readonly headDim?: number;
  readonly timestep?: { dtype: 'int64' | 'float32' | 'float16'; shape: 'batch' | 'scalar' };
  /** replace the cross-attention by a com.microsoft MultiHeadAttention node (an ORT-optimised export) */
  readonly fused?: boolean;
  /** a fixed batch size (default symbolic) */
  readonly batch?: number;
}

/** The cross-attention layers of the tiny UNet and their levels. */
export const TINY_UNET_LAYERS = [
  { layer: 'down_blocks.0.attentions.0', level: 1 },
  { layer: 'down_blocks.1.attentions.0', level: 2 },
  { layer: 'mid_block.attentions.0', level: 4 },
] as const;

/**
 * A UNet-shaped graph: sample [B,C,H,W], timestep, encoder_hidden_states [B,77,D] → out_sample [B,C,H,W].
 * One transformer block (self-attention attn1 + cross-attention attn2) at latent/1, /2 and /4.
 */
export function tinyUnet(options: TinyUnetOptions): { spec: GraphSpec; weights: Map<string, Float32Array>; dims: { c: number; d: number; heads: number; dh: number } } {
  const b = new Builder(prng(options.seed ?? 1));
  const c = options.channels ?? 4;
  const d = options.hidden ?? 8;
  const heads = options.heads ?? 2;
  const dh = options.headDim ?? 4;
  const ts = options.timestep ?? { dtype: 'int64', shape: 'batch' };
  // timestep enters as a scalar bias: out += 0.001·float(timestep) (summed so scalar and [B] work alike)
  const tf = b.op('Cast', ['timestep'], 'timestep_f', '/time_proj/Cast', { to: 1 });
  const tsum = b.op('ReduceSum', [tf], 'timestep_sum', '/time_proj/ReduceSum', { keepdims: 0 });
  const tb = b.op('Mul', [tsum, b.scalar('time_scale', 0.001)], 'time_bias', '/time_proj/Mul');
  let total = '';
  TINY_UNET_LAYERS.forEach(({ layer, level }, i) => {
    const prefix = `${layer.replace(/^(\w+?(?:\.\d+)?)\.(attentions\.\d+)$/, '/$1/$2')}/transformer_blocks.0`;
    let h = 'sample';
    if (level > 1) h = b.op('AveragePool', [h], `${prefix}/pool`, undefined, { kernel_shape: [level, level], strides: [level, level] });
    const xt = b.op('Transpose', [h], `${prefix}/nhwc`, undefined, { perm: [0, 2, 3, 1] });
    const x = b.op('Reshape', [xt, b.ints(`${prefix}/tokens_shape`, [0, -1, c])], `${prefix}/tokens`);
    // self-attention (attn1) must not be picked by the surgery
    const selfOut = attention(b, `${prefix}/attn1`, x, x, { c, dc: c, heads, dh, m: 0 }, 'b-h-hw-t');
    const x1 = b.op('Add', [x, selfOut], `${prefix}/x1`);
    let cross: string;
    if (options.fused) {
      const q = b.op('MatMul', [x1, b.weight(`${prefix}/attn2/to_q.weight`, [c, heads * dh])], `${prefix}/attn2/q`);
      const k = b.op('MatMul', ['encoder_hidden_states', b.weight(`${prefix}/attn2/to_k.weight`, [d, heads * dh])], `${prefix}/attn2/k`);
      const v = b.op('MatMul', ['encoder_hidden_states', b.weight(`${prefix}/attn2/to_v.weight`, [d, heads * dh])], `${prefix}/attn2/v`);
      b.nodes.push(node('MultiHeadAttention', [q, k, v], [`${prefix}/attn2/mha`], { name: `${prefix}/attn2/MultiHeadAttention`, domain: 'com.microsoft', attributes: { num_heads: heads } }));
      cross = b.op('MatMul', [`${prefix}/attn2/mha`, b.weight(`${prefix}/attn2/to_out.weight`, [heads * dh, c])], `${prefix}/attn2/out`);
    } else {
      cross = attention(b, `${prefix}/attn2`, x1, 'encoder_hidden_states', { c, dc: d, heads, dh, m: 77 }, options.layout);
    }
    const x2 = b.op('Add', [x1, cross], `${prefix}/x2`);
    const back = b.op('Transpose', [b.op('Reshape', [x2, b.op('Shape', [xt], `${prefix}/nhwc_shape`)], `${prefix}/grid`)], `${prefix}/nchw`, undefined, { perm: [0, 3, 1, 2] });
    const up = level > 1 ? b.op('Resize', [back, '', b.floats(`${prefix}/up_scales`, [1, 1, level, level])], `${prefix}/up`, undefined, {}) : back;
    total = i === 0 ? up : b.op('Add', [total, up], `/sum_${i}`);
  });
  b.op('Add', [total, tb], 'out_sample', '/conv_out/Add');
  const bd = options.batch ?? 'batch';
  const tsShape = ts.shape === 'batch' ? [bd] : [];
  const spec: GraphSpec = {
    name: 'tiny_unet',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [
      valueInfo('sample', 'float32', [bd, c, 'height', 'width']),
      valueInfo('timestep', ts.dtype as GraphDType, tsShape),
      valueInfo('encoder_hidden_states', 'float32', [bd, 77, d]),
    ],
    outputs: [valueInfo('out_sample', 'float32', [bd, c, 'height', 'width'])],
    extraOpsets: options.fused ? { 'com.microsoft': 1 } : undefined,
  };
  return { spec, weights: b.weights, dims: { c, d, heads, dh } };
}
