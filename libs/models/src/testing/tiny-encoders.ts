/** Tiny text, VAE, CLIP and SAM graphs with the public exports' tensor contracts (see tiny-graphs.ts). */
import { valueInfo, type GraphSpec } from '../onnx/graph-builder';
import { attention, Builder, prng, type AttentionLayout } from './tiny-graphs';

export function tinySdTextEncoder(o: { idsDtype: 'int32' | 'int64'; hidden?: number; vocab?: number; seed?: number; batch?: number; positions?: number }): GraphSpec {
  const b = new Builder(prng(o.seed ?? 2));
  const d = o.hidden ?? 8;
  const emb = b.op('Gather', [b.weight('token_embedding', [o.vocab ?? 64, d]), 'input_ids'], 'embedded', '/embeddings/Gather', { axis: 0 });
  // a position table gathered by position ids, as transformers' CLIPTextEmbeddings (or a table added whole)
  const pos = o.positions
    ? b.op('Gather', [b.weight('position_embedding', [o.positions, d]), b.ints('position_ids', [...Array(77).keys()])], 'pos', '/embeddings/position_embedding/Gather', { axis: 0 })
    : b.weight('position_embedding', [77, d]);
  const h = b.op('Add', [emb, pos], 'h0', '/embeddings/Add');
  b.op('Tanh', [h], 'last_hidden_state', '/final_layer_norm/Tanh');
  b.op('ReduceMean', ['last_hidden_state'], 'pooler_output', '/pooler/ReduceMean', { axes: [1], keepdims: 0 });
  return {
    name: 'tiny_text_encoder',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [valueInfo('input_ids', o.idsDtype, [o.batch ?? 'batch', 77])],
    outputs: [valueInfo('last_hidden_state', 'float32', [o.batch ?? 'batch', 77, d]), valueInfo('pooler_output', 'float32', [o.batch ?? 'batch', d])],
  };
}

/** CLIP text: the embedding at the first end token (argmax of ids), projected. */
export function tinyClipText(o: { hidden?: number; embed?: number; vocab?: number; seed?: number; attentionMask?: boolean } = {}): GraphSpec {
  const b = new Builder(prng(o.seed ?? 3));
  const d = o.hidden ?? 8;
  const e = o.embed ?? 6;
  const emb = b.op('Gather', [b.weight('token_embedding', [o.vocab ?? 64, d]), 'input_ids'], 'embedded', '/text_model/embeddings/Gather', { axis: 0 });
  let h0 = b.op('Add', [emb, b.weight('position_embedding', [77, d])], 'h0');
  if (o.attentionMask) {
    // masked tokens are zeroed (an honest use of the input, so feeding it wrongly would show)
    const m = b.op('Unsqueeze', [b.op('Cast', ['attention_mask'], 'mask_f', undefined, { to: 1 }), b.ints('mask_axis', [2])], 'mask3');
    h0 = b.op('Mul', [h0, m], 'h0_masked');
  }
  const h = b.op('Tanh', [h0], 'last_hidden_state');
  const pos = b.op('ArgMax', [b.op('Cast', ['input_ids'], 'ids_i32', undefined, { to: 6 })], 'eot_pos', undefined, { axis: 1, keepdims: 1 });
  const pos3 = b.op('Unsqueeze', [b.op('Cast', [pos], 'eot_pos64', undefined, { to: 7 }), b.ints('axis2', [2])], 'eot_pos3');
  const batch = b.op('Gather', [b.op('Shape', ['input_ids'], 'ids_shape'), b.ints('zero', [0])], 'batch_dim', undefined, { axis: 0 });
  const idx = b.op('Expand', [pos3, b.op('Concat', [batch, b.ints('one_d', [1, d])], 'idx_shape', undefined, { axis: 0 })], 'eot_idx');
  const pooled = b.op('Squeeze', [b.op('GatherElements', [h, idx], 'pooled3', undefined, { axis: 1 }), b.ints('axis1', [1])], 'pooled');
  b.op('MatMul', [pooled, b.weight('text_projection', [d, e])], 'text_embeds');
  return {
    name: 'tiny_clip_text',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [
      valueInfo('input_ids', 'int64', ['batch_size', 77]),
      ...(o.attentionMask ? [valueInfo('attention_mask', 'int64', ['batch_size', 77])] : []),
    ],
    outputs: [valueInfo('text_embeds', 'float32', ['batch_size', e]), valueInfo('last_hidden_state', 'float32', ['batch_size', 77, d])],
  };
}

export interface TinyVaeOptions {
  readonly variant: 'latent_sample' | 'latent_parameters';
  readonly channels?: number;
  readonly seed?: number;
  /** image side / latent side (default 8, as SD; real third-party test VAEs halve) */
  readonly downsample?: number;
  /** latent_sample = mean + exp(½·clip(logvar))·RandomNormalLike, as diffusers' posterior sample() exports */
  readonly sampling?: boolean;
  /** a one-head self-attention over the latent cells (the mid-block attention whose size the preflight checks) */
  readonly attention?: boolean;
}

export function tinyVaeEncoder(o: TinyVaeOptions): GraphSpec {
  const b = new Builder(prng(o.seed ?? 4));
  const c = o.channels ?? 4;
  const k = o.downsample ?? 8;
  const moments = o.variant === 'latent_parameters' || o.sampling ? 2 * c : c;
  const pooled = b.op('AveragePool', ['sample'], 'pooled', '/encoder/pool', { kernel_shape: [k, k], strides: [k, k] });
  let m = b.op('Conv', [pooled, b.weight('quant_conv.weight', [moments, 3, 1, 1])], 'moments', '/quant_conv/Conv');
  if (o.attention) {
    const p = '/encoder/mid_block/attentions.0';
    const flat = b.op('Reshape', [m, b.ints('flat_shape', [0, moments, -1])], 'm_flat', `${p}/Reshape`);
    const tok = b.op('Transpose', [flat], 'm_tok', `${p}/Transpose`, { perm: [0, 2, 1] });
    const logits = b.op('Mul', [b.op('MatMul', [tok, flat], 'm_qk', `${p}/MatMul`), b.scalar('m_scale', 1 / Math.sqrt(moments))], 'm_logits', `${p}/Mul`);
    const probs = b.op('Softmax', [logits], 'm_probs', `${p}/Softmax`, { axis: -1 });
    const att = b.op('Transpose', [b.op('MatMul', [probs, tok], 'm_att', `${p}/MatMul_1`)], 'm_att_t', `${p}/Transpose_1`, { perm: [0, 2, 1] });
    m = b.op('Add', [m, b.op('Reshape', [att, b.op('Shape', [m], 'm_shape', `${p}/Shape`)], 'm_back', `${p}/Reshape_1`)], 'moments_att', `${p}/Add`);
  }
  if (o.variant === 'latent_sample' && o.sampling) {
    const mean = b.op('Slice', [m, b.ints('s0', [0]), b.ints('s1', [c]), b.ints('s_axis', [1])], 'mean', '/Slice');
    const logvar = b.op('Slice', [m, b.ints('s1b', [c]), b.ints('s2', [2 * c]), b.ints('s_axis2', [1])], 'logvar', '/Slice_1');
    const clipped = b.op('Clip', [logvar, b.scalar('lv_min', -30), b.scalar('lv_max', 20)], 'logvar_c', '/Clip');
    const std = b.op('Exp', [b.op('Mul', [clipped, b.scalar('half', 0.5)], 'half_logvar', '/Mul_2')], 'std', '/Exp');
    const eps = b.op('Cast', [b.op('RandomNormalLike', [mean], 'eps0', '/RandomNormalLike')], 'eps', '/Cast_1', { to: 1 });
    b.op('Add', [mean, b.op('Mul', [std, eps], 'noise', '/Mul_3')], 'latent_sample', '/Add_1');
  } else b.op('Identity', [m], o.variant, '/Identity');
  const out = o.variant === 'latent_sample' ? c : 2 * c;
  return {
    name: 'tiny_vae_encoder',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [valueInfo('sample', 'float32', ['batch', 3, 'height', 'width'])],
    outputs: [valueInfo(o.variant, 'float32', ['batch', out, 'height_latent', 'width_latent'])],
  };
}

export interface TinyClipVisionOptions {
  readonly layout: AttentionLayout;
  readonly size?: number; // 32
  readonly patch?: number; // 16
  readonly width?: number;
  readonly heads?: number;
  readonly layers?: number;
  readonly embed?: number;
  readonly seed?: number;
  /** declare pixel_values H and W symbolic (the position embedding stays fixed, as in a plain CLIP export) */
  readonly symbolicSize?: boolean;
}

/** ViT: patch Conv, CLS + positions, `layers` self-attention blocks, CLS projected → image_embeds. */
export function tinyClipVision(o: TinyClipVisionOptions): GraphSpec {
  const b = new Builder(prng(o.seed ?? 5));
  const s = o.size ?? 32;
  const p = o.patch ?? 16;
  const w = o.width ?? 8;
  const heads = o.heads ?? 2;
  const e = o.embed ?? 6;
  const t = 1 + (s / p) ** 2;
  const patches = b.op('Conv', ['pixel_values', b.weight('patch_embedding.weight', [w, 3, p, p], 0.05)], 'patches', '/vision_model/embeddings/patch_embedding/Conv', { strides: [p, p] });
  const tokens = b.op('Transpose', [b.op('Reshape', [patches, b.ints('flat', [0, w, -1])], 'patches_flat')], 'patch_tokens', undefined, { perm: [0, 2, 1] });
  const batch = b.op('Gather', [b.op('Shape', ['pixel_values'], 'px_shape'), b.ints('zero', [0])], 'batch_dim', undefined, { axis: 0 });
  const cls = b.op('Expand', [b.weight('class_embedding', [1, 1, w]), b.op('Concat', [batch, b.ints('one_w', [1, w])], 'cls_shape', undefined, { axis: 0 })], 'cls');
  let x = b.op('Add', [b.op('Concat', [cls, tokens], 'tokens0', undefined, { axis: 1 }), b.weight('position_embedding', [1, t, w])], 'hidden_0');
  for (let i = 0; i < (o.layers ?? 2); i++) {
    const prefix = `/vision_model/encoder/layers.${i}/self_attn`;
    const a = attention(b, prefix, x, x, { c: w, dc: w, heads, dh: w / heads, m: t }, o.layout);
    x = b.op('Add', [x, a], `hidden_${i + 1}`);
  }
  b.op('Identity', [x], 'last_hidden_state');
  const clsOut = b.op('Gather', [x, b.ints('cls_index', [0])], 'cls_out3', undefined, { axis: 1 });
  const pooled = b.op('Squeeze', [clsOut, b.ints('axis1', [1])], 'pooled');
  b.op('MatMul', [pooled, b.weight('visual_projection', [w, e])], 'image_embeds');
  return {
    name: 'tiny_clip_vision',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [valueInfo('pixel_values', 'float32', o.symbolicSize ? ['batch_size', 'num_channels', 'height', 'width'] : ['batch_size', 3, s, s])],
    outputs: [valueInfo('image_embeds', 'float32', ['batch_size', e]), valueInfo('last_hidden_state', 'float32', ['batch_size', t, w])],
  };
}

export function tinySamEncoder(o: { size?: number; channels?: number; grid?: number; seed?: number } = {}): GraphSpec {
  const b = new Builder(prng(o.seed ?? 6));
  const s = o.size ?? 64;
  const g = o.grid ?? 4;
  const c = o.channels ?? 4;
  const pooled = b.op('AveragePool', ['pixel_values'], 'pooled', undefined, { kernel_shape: [s / g, s / g], strides: [s / g, s / g] });
  b.op('Conv', [pooled, b.weight('neck.weight', [c, 3, 1, 1])], 'image_embeddings');
  b.op('Conv', [pooled, b.weight('pos.weight', [c, 3, 1, 1])], 'image_positional_embeddings');
  return {
    name: 'tiny_sam_encoder',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [valueInfo('pixel_values', 'float32', ['batch_size', 3, s, s])],
    outputs: [valueInfo('image_embeddings', 'float32', ['batch_size', c, g, g]), valueInfo('image_positional_embeddings', 'float32', ['batch_size', c, g, g])],
  };
}

/** Hugging Face split decoder: P prompts per call, 3 masks each. */
export function tinySamDecoderHf(o: { size?: number; channels?: number; grid?: number; lowRes?: number; seed?: number } = {}): GraphSpec {
  const b = new Builder(prng(o.seed ?? 7));
  const s = o.size ?? 64;
  const g = o.grid ?? 4;
  const c = o.channels ?? 4;
  const l = o.lowRes ?? 8;
  const emb = b.op('Add', ['image_embeddings', 'image_positional_embeddings'], 'emb');
  const grid = b.op('ReduceMean', [b.op('Resize', [emb, '', b.floats('up', [1, 1, l / g, l / g])], 'emb_up', undefined, { mode: 'linear' })], 'emb_mean', undefined, { axes: [1], keepdims: 1 });
  const grid5 = b.op('Unsqueeze', [grid, b.ints('axis1', [1])], 'emb5'); // [B,1,1,L,L]
  const pts = b.op('Div', [b.op('ReduceSum', ['input_points', b.ints('n_axis', [2])], 'pts', undefined, { keepdims: 0 }), b.scalar('size', s)], 'pts_n');
  const lab = b.op('Cast', [b.op('ReduceSum', ['input_labels', b.ints('n_axis2', [2])], 'labs', undefined, { keepdims: 1 })], 'labs_f', undefined, { to: 1 });
  const z = b.op('Add', [b.op('MatMul', [pts, b.weight('point_proj', [2, 3])], 'pz'), lab], 'pz_l'); // [B,P,3]
  b.op('Sigmoid', [z], 'iou_scores');
  const z5 = b.op('Unsqueeze', [z, b.ints('axes34', [3, 4])], 'pz5');
  b.op('Mul', [grid5, z5], 'pred_masks');
  return {
    name: 'tiny_sam_decoder',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [
      valueInfo('image_embeddings', 'float32', ['batch_size', c, g, g]),
      valueInfo('image_positional_embeddings', 'float32', ['batch_size', c, g, g]),
      valueInfo('input_points', 'float32', ['batch_size', 'point_batch_size', 'nb_points_per_image', 2]),
      valueInfo('input_labels', 'int64', ['batch_size', 'point_batch_size', 'nb_points_per_image']),
    ],
    outputs: [valueInfo('iou_scores', 'float32', ['batch_size', 'point_batch_size', 3]), valueInfo('pred_masks', 'float32', ['batch_size', 'point_batch_size', 3, l, l])],
  };
}

/** Meta's single-prompt decoder signature (segment-anything scripts/export_onnx_model.py), 4 masks. */
export function tinySamDecoderMeta(o: { size?: number; channels?: number; grid?: number; lowRes?: number; seed?: number; masks?: number } = {}): GraphSpec {
  const k = o.masks ?? 4;
  const b = new Builder(prng(o.seed ?? 8));
  const s = o.size ?? 64;
  const g = o.grid ?? 4;
  const c = o.channels ?? 4;
  const l = o.lowRes ?? 8;
  const grid = b.op('ReduceMean', [b.op('Resize', ['image_embeddings', '', b.floats('up', [1, 1, l / g, l / g])], 'emb_up')], 'emb_mean', undefined, { axes: [1], keepdims: 1 }); // [1,1,L,L]
  const w = b.op('Unsqueeze', [b.op('Relu', ['point_labels'], 'label_w'), b.ints('axis2', [2])], 'label_w3');
  const pts = b.op('Div', [b.op('ReduceSum', [b.op('Mul', ['point_coords', w], 'wc'), b.ints('n_axis', [1])], 'pts', undefined, { keepdims: 0 }), b.scalar('size', s)], 'pts_n'); // [1,2]
  const z = b.op('MatMul', [pts, b.weight('point_proj', [2, k])], 'pz'); // [1,k]
  const zm = b.op('Add', [z, b.op('Mul', ['has_mask_input', b.scalar('mask_w', 0.5)], 'hm')], 'pz_m');
  b.op('Sigmoid', [zm], 'iou_predictions');
  b.op('Mul', [grid, b.op('Unsqueeze', [zm, b.ints('axes23', [2, 3])], 'pz4')], 'low_res_masks');
  b.op('Add', ['low_res_masks', b.op('Mul', [b.op('ReduceSum', ['orig_im_size', b.ints('all', [0])], 'osum', undefined, { keepdims: 0 }), b.scalar('zero_f', 0)], 'ozero')], 'masks');
  return {
    name: 'tiny_sam_meta_decoder',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [
      valueInfo('image_embeddings', 'float32', [1, c, g, g]),
      valueInfo('point_coords', 'float32', [1, 'num_points', 2]),
      valueInfo('point_labels', 'float32', [1, 'num_points']),
      valueInfo('mask_input', 'float32', [1, 1, l, l]),
      valueInfo('has_mask_input', 'float32', [1]),
      valueInfo('orig_im_size', 'float32', [2]),
    ],
    outputs: [valueInfo('masks', 'float32', [1, k, l, l]), valueInfo('iou_predictions', 'float32', [1, k]), valueInfo('low_res_masks', 'float32', [1, k, l, l])],
  };
}
