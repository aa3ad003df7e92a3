/**
 * CLIP vision surgery for the masked-attention ("soft") branch: an additive bias input enters every
 * self-attention Softmax, `softmax(logits + attention_bias)`. attention_bias is [B, 1, T, T] (broadcast over
 * heads). When the export computes attention as [B·heads, T, T] (classic transformers CLIPAttention) the bias is
 * expanded to heads and reshaped to the logits' shape once, before the first layer.
 */
import { node, tensor, valueInfo } from '../onnx/graph-builder';
import type { SoftmaxSite } from '../onnx/graph-analysis';
import type { OnnxTypes } from '../onnx/onnx-proto';
import { editModel } from '../onnx/wire';

export const ATTENTION_BIAS_INPUT = 'attention_bias';

export interface ClipBiasOptions {
  /** rank of the Softmax input: 4 = [B, heads, T, T], 3 = [B·heads, T, T] */
  readonly logitsRank: 3 | 4;
  /** dtype of the logits (the bias input takes it: float32, or float16 for fp16 exports) */
  readonly dtype: 'float32' | 'float16' | string;
  readonly heads: number;
  /** T, or a symbol when the graph takes any image size (T = 1 + gh·gw then) */
  readonly tokens: number | string;
  /** the batch dim of pixel_values (symbol or fixed size), shared by the bias */
  readonly batchDim: number | string;
}

export function addClipAttentionBias(
  bytes: Uint8Array,
  sites: readonly SoftmaxSite[],
  options: ClipBiasOptions,
  what: string,
): Uint8Array {
  const insertBefore = new Map<string, OnnxTypes.INodeProto[]>();
  const renameInputs = new Map<string, { from: string; to: string }>();
  const initializers: OnnxTypes.ITensorProto[] = [];
  let bias = ATTENTION_BIAS_INPUT;
  sites.forEach((site, i) => {
    const before: OnnxTypes.INodeProto[] = [];
    if (i === 0 && options.logitsRank === 3) {
      initializers.push(tensor('/refdiff/bias_heads', 'int64', [4], [1, options.heads, 1, 1]));
      before.push(
        node('Expand', [ATTENTION_BIAS_INPUT, '/refdiff/bias_heads'], ['/refdiff/bias_bhtt'], { name: '/refdiff/bias/Expand' }),
        node('Shape', [site.logits], ['/refdiff/bias_shape'], { name: '/refdiff/bias/Shape' }),
        node('Reshape', ['/refdiff/bias_bhtt', '/refdiff/bias_shape'], ['/refdiff/bias_b_h'], { name: '/refdiff/bias/Reshape' }),
      );
      bias = '/refdiff/bias_b_h';
    }
    const biased = `${site.logits}/refdiff_biased`;
    before.push(node('Add', [site.logits, bias], [biased], { name: `${site.node}/refdiff_bias_Add` }));
    insertBefore.set(site.node, before);
    renameInputs.set(site.node, { from: site.logits, to: biased });
  });
  return editModel(
    bytes,
    {
      insertBefore,
      renameInputs,
      appendInitializers: initializers,
      appendInputs: [valueInfo(ATTENTION_BIAS_INPUT, options.dtype === 'float16' ? 'float16' : 'float32', [options.batchDim, 1, options.tokens, options.tokens])],
    },
    what,
  );
}
