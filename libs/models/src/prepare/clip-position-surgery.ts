/**
 * CLIP vision at any resolution (issue 13 pt 1): the position-embedding table of a 224-only export is replaced by
 * one interpolated to the patch grid of the image actually given, as the reference code does
 * (kodenii/Ref-Diff `openai_clip/model.py`, `VisionTransformer.interpolate_pos_encoding`):
 *
 *   CLS row kept; the g0×g0 grid (g0 = 14 for 224/16) → [1, D, g0, g0] → F.interpolate(mode='bicubic',
 *   align_corners=False, scale_factor=((gh + 0.1)/g0, (gw + 0.1)/g0)) → [1, D, gh, gw] → rows; the table is used
 *   unchanged when the grid is g0×g0 and the image square (the reference's `npatch == N and w == h`).
 *
 * torch uses the given scale factor (not gh/g0) to map output to source coordinates — src = (dst + 0.5)/scale − 0.5
 * (half-pixel), cubic convolution with a = −0.75, indices clamped at the border — which is exactly ONNX Resize with
 * `scales`, mode cubic, cubic_coeff_a −0.75, coordinate_transformation_mode half_pixel, exclude_outside 0.
 * (gh, gw) is read from the patch Conv's output shape, so any H, W ≥ the patch size works (the Conv drops the
 * remainder, as torch's does).
 *
 * Where the table enters: transformers' CLIPVisionEmbeddings adds Gather(position_embedding.weight, position_ids)
 * at `/vision_model/embeddings/Add`; other exports add the initializer itself ([T0, D] or [1, T0, D]). The Add whose
 * operand is (a Gather of) an initializer named like `position_embedding` / `positional_embedding` is the site.
 */
import { ModelPackError } from '../errors';
import { node, tensor } from '../onnx/graph-builder';
import { onnx, OnnxDataType, type OnnxTypes } from '../onnx/onnx-proto';
import type { RuntimeLogger } from '../runtime/runtime.types';
import { editModel, readGraphSummary, readInitializer, type GraphSummary } from '../onnx/wire';

export interface PositionSurgeryResult {
  readonly bytes: Uint8Array;
  /** the initializer holding the [1 + g0², D] table */
  readonly table: string;
  /** side of the original patch grid (14 for ViT-B/16 at 224) */
  readonly grid: number;
  readonly width: number;
  /** the tensor the encoder adds: [1, 1 + gh·gw, D] */
  readonly interpolated: string;
  /** the position Add's output: the embedded tokens [B, 1 + gh·gw, D] */
  readonly embeddings: string;
}

/** The output of the Add that adds the (original) position table: the embedded tokens [B, 1 + P, D]. */
export function positionAddOutput(g: GraphSummary, what: string): string {
  return findSite(g, what).add.output[0];
}

const POSITION_NAME = /position(al)?_embedding/i;
const P = '/refdiff/pos';

function producerMap(g: GraphSummary): Map<string, OnnxTypes.NodeProto> {
  const m = new Map<string, OnnxTypes.NodeProto>();
  for (const n of g.nodes) for (const o of n.output) m.set(o, n);
  return m;
}

interface Site {
  readonly add: OnnxTypes.NodeProto;
  /** the Add operand that carries the positions */
  readonly operand: string;
  /** the other Add operand: [B, T, D] tokens */
  readonly tokens: string;
  readonly table: string;
}

function findSite(g: GraphSummary, what: string): Site {
  const producers = producerMap(g);
  // the table itself, or a Gather of it, possibly through reshaping ops (Unsqueeze, Reshape, Cast, …)
  const tableOf = (t: string): string | null => {
    let x = t;
    for (let step = 0; step < 6; step++) {
      if (g.initializerNames.has(x)) return POSITION_NAME.test(x) ? x : null;
      const p = producers.get(x);
      if (!p || !['Gather', 'Unsqueeze', 'Reshape', 'Cast', 'Identity', 'Squeeze', 'Flatten'].includes(p.opType)) return null;
      x = p.input[0];
    }
    return null;
  };
  const sites: Site[] = [];
  for (const n of g.nodes) {
    if (n.opType !== 'Add' || n.input.length !== 2) continue;
    for (let i = 0; i < 2; i++) {
      const table = tableOf(n.input[i]);
      if (table) sites.push({ add: n, operand: n.input[i], tokens: n.input[1 - i], table });
    }
  }
  if (sites.length !== 1) {
    throw new ModelPackError(
      'EXPORT_UNSUPPORTED',
      `${what}: expected one Add of the position-embedding table (an initializer named like 'position_embedding', or a Gather of it); found ${sites.length}` +
        (sites.length ? ` (${sites.map((s) => s.add.name).join(', ')})` : '') +
        ' — cannot interpolate it to other image sizes',
    );
  }
  return sites[0];
}

/** Walks up first inputs from the tokens operand to the patch Conv (Concat → Transpose → Reshape → Conv, …). */
function findPatchConv(g: GraphSummary, tokens: string, what: string): OnnxTypes.NodeProto {
  const producers = producerMap(g);
  const seen = new Set<string>();
  const queue = [tokens];
  while (queue.length > 0) {
    const t = queue.shift() as string;
    if (seen.has(t)) continue;
    seen.add(t);
    const p = producers.get(t);
    if (!p) continue;
    if (p.opType === 'Conv') return p;
    // breadth-first over activation inputs (skip initializers and shape constants)
    for (const i of p.input) if (i && !g.initializerNames.has(i)) queue.push(i);
  }
  throw new ModelPackError('EXPORT_UNSUPPORTED', `${what}: no patch-embedding Conv found upstream of the position Add; cannot read the patch grid`);
}

export function interpolateClipPositions(bytes: Uint8Array, what: string): PositionSurgeryResult {
  const g = readGraphSummary(bytes, what);
  const site = findSite(g, what);
  const info = readInitializer(bytes, site.table, what);
  if (!info) throw new ModelPackError('GRAPH_INVALID', `${what}: initializer ${site.table} not found`);
  const dims = info.dims.filter((d, i) => !(d === 1 && i < info.dims.length - 2));
  if (dims.length !== 2) {
    throw new ModelPackError('EXPORT_UNSUPPORTED', `${what}: position table ${site.table} has dims [${info.dims.join(', ')}]; expected [1 + g², D]`);
  }
  const [t0, width] = dims;
  const grid = Math.round(Math.sqrt(t0 - 1));
  if (grid * grid + 1 !== t0) {
    throw new ModelPackError('EXPORT_UNSUPPORTED', `${what}: position table ${site.table} has ${t0} rows, not 1 + a square (CLS + patch grid)`);
  }
  const half = info.dataType === OnnxDataType.FLOAT16;
  if (!half && info.dataType !== OnnxDataType.FLOAT) {
    throw new ModelPackError('EXPORT_UNSUPPORTED', `${what}: position table ${site.table} is not float32 or float16`);
  }
  const conv = findPatchConv(g, site.tokens, what);
  const pixels = g.inputs.find((i) => i.name === 'pixel_values')?.name;
  if (!pixels) throw new ModelPackError('EXPORT_UNSUPPORTED', `${what}: no pixel_values input`);

  const t = (n: string) => `${P}/${n}`;
  const inits: OnnxTypes.ITensorProto[] = [
    tensor(t('table_shape'), 'int64', [2], [t0, width]),
    tensor(t('grid_shape'), 'int64', [4], [1, grid, grid, width]),
    tensor(t('rows_shape'), 'int64', [3], [1, -1, width]),
    tensor(t('cls_shape'), 'int64', [3], [1, 1, width]),
    tensor(t('zero'), 'int64', [1], [0]),
    tensor(t('one'), 'int64', [1], [1]),
    tensor(t('two'), 'int64', [1], [2]),
    tensor(t('four'), 'int64', [1], [4]),
    tensor(t('t0'), 'int64', [1], [t0]),
    tensor(t('g0g0'), 'int64', [2], [grid, grid]),
    tensor(t('ones2'), 'float32', [2], [1, 1]),
    tensor(t('tenth'), 'float32', [1], [0.1]),
    tensor(t('g0'), 'float32', [1], [grid]),
    tensor(t('roi'), 'float32', [0], []),
    tensor(t('pads'), 'int64', [8], [0, 0, 0, 0, 0, 0, 2, 10 * grid]),
    tensor(t('zeros2'), 'int64', [2], [0, 0]),
    tensor(t('axes23'), 'int64', [2], [2, 3]),
  ];
  const nodes: OnnxTypes.INodeProto[] = [];
  const op = (type: string, inputs: string[], out: string, attributes?: Record<string, number | string | readonly number[]>) => {
    nodes.push(node(type, inputs, [t(out)], { name: t(out), ...(attributes ? { attributes } : {}) }));
    return t(out);
  };
  let table = op('Reshape', [site.table, t('table_shape')], 'table');
  if (half) table = op('Cast', [table], 'table_f32', { to: OnnxDataType.FLOAT });
  const cls = op('Reshape', [op('Slice', [table, t('zero'), t('one'), t('zero')], 'cls_row'), t('cls_shape')], 'cls');
  const gridRows = op('Slice', [table, t('one'), t('t0'), t('zero')], 'grid_rows');
  const image = op('Transpose', [op('Reshape', [gridRows, t('grid_shape')], 'grid_nhwc')], 'grid_nchw', { perm: [0, 3, 1, 2] });
  // the patch grid (gh, gw) from the Conv output, the pixel size (H, W) from the input
  const hw = op('Slice', [op('Shape', [conv.output[0]], 'conv_shape'), t('two'), t('four'), t('zero')], 'grid_hw');
  const px = op('Slice', [op('Shape', [pixels], 'px_shape'), t('two'), t('four'), t('zero')], 'px_hw');
  // unchanged iff gh = gw = g0 and H = W (the reference's `npatch == N and w == h`)
  const sameGrid = op('Cast', [op('Equal', [hw, t('g0g0')], 'grid_eq')], 'grid_eq_i', { to: OnnxDataType.INT64 });
  const pxH = op('Slice', [px, t('zero'), t('one'), t('zero')], 'px_h');
  const pxW = op('Slice', [px, t('one'), t('two'), t('zero')], 'px_w');
  const square = op('Cast', [op('Equal', [pxH, pxW], 'px_eq')], 'px_eq_i', { to: OnnxDataType.INT64 });
  const keep = op('Cast', [op('ReduceMin', [op('Concat', [sameGrid, square], 'keep_parts', { axis: 0 })], 'keep_min', { keepdims: 1 })], 'keep', { to: OnnxDataType.BOOL });
  const factor = op('Div', [op('Add', [op('Cast', [hw], 'grid_hw_f', { to: OnnxDataType.FLOAT }), t('tenth')], 'grid_hw_plus'), t('g0')], 'factor');
  const scales = op('Concat', [t('ones2'), op('Where', [keep, t('ones2'), factor], 'factor_or_one')], 'scales', { axis: 0 });
  // onnxruntime copies the input when the output dims equal the input's — as for g0×g0 from a non-square image,
  // where torch still resamples with scale (g0 + 0.1)/g0. So the grid is edge-padded on the bottom (2) and right
  // (10·g0, enough that ⌊(11·g0)·(g0 + 0.1)/g0⌋ > 11·g0) — edge values are what the border clamping reads anyway,
  // and the source coordinates of the first gh×gw outputs do not move — resized, and cropped back to gh×gw.
  const padded = op('Pad', [image, t('pads')], 'grid_padded', { mode: 'edge' });
  const resized = op('Resize', [padded, t('roi'), scales], 'resized_padded', {
    mode: 'cubic',
    coordinate_transformation_mode: 'half_pixel',
    cubic_coeff_a: -0.75,
    exclude_outside: 0,
  });
  const cropped = op('Slice', [resized, t('zeros2'), hw, t('axes23')], 'resized');
  const rows = op('Reshape', [op('Transpose', [cropped], 'resized_nhwc', { perm: [0, 2, 3, 1] }), t('rows_shape')], 'rows');
  let out = op('Concat', [cls, rows], 'interpolated', { axis: 1 });
  if (half) out = op('Cast', [out], 'interpolated_f16', { to: OnnxDataType.FLOAT16 });

  const edited = editModel(
    bytes,
    {
      insertBefore: new Map([[site.add.name, nodes]]),
      renameInputs: new Map([[site.add.name, { from: site.operand, to: out }]]),
      appendInitializers: inits,
    },
    what,
  );
  return { bytes: edited, table: site.table, grid, width, interpolated: out, embeddings: site.add.output[0] };
}

/**
 * The vision graph at any size, or null (logged) when this export's embeddings are not understood — the pack then
 * keeps the fixed size (clip.dynamicImageSize false). pixel_values' H and W become symbolic if the export fixed them.
 */
export function anySizeVision(bytes: Uint8Array, g: GraphSummary, what: string, logger?: RuntimeLogger): PositionSurgeryResult | null {
  let r: PositionSurgeryResult;
  try {
    r = interpolateClipPositions(bytes, what);
  } catch (err) {
    if (err instanceof ModelPackError && err.code === 'EXPORT_UNSUPPORTED') {
      logger?.warn({ file: what, reason: err.message }, 'CLIP vision stays at its fixed size: the position embedding cannot be interpolated');
      return null;
    }
    throw err;
  }
  const copy = (v: OnnxTypes.ValueInfoProto) => onnx.ValueInfoProto.decode(onnx.ValueInfoProto.encode(v).finish());
  const dim = (d: OnnxTypes.TensorShapeProto.IDimension) => (d.dimParam ? null : Number(d.dimValue ?? 0));
  const replaceInputs = new Map<string, OnnxTypes.IValueInfoProto>();
  const px = g.inputs.find((i) => i.name === 'pixel_values');
  const pxDims = px?.type?.tensorType?.shape?.dim ?? [];
  if (px && pxDims.length === 4 && (dim(pxDims[2]) || dim(pxDims[3]))) {
    const v = copy(px);
    const shape = v.type?.tensorType?.shape?.dim ?? [];
    shape[2] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'height' });
    shape[3] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'width' });
    replaceInputs.set('pixel_values', v);
  }
  // outputs declared with the fixed token count (last_hidden_state [B, 1 + g0², D]) get a symbolic one
  const replaceOutputs = new Map<string, OnnxTypes.IValueInfoProto>();
  for (const o of g.outputs) {
    const dims = o.type?.tensorType?.shape?.dim ?? [];
    if (dims.length === 3 && dim(dims[1]) === r.grid * r.grid + 1) {
      const v = copy(o);
      (v.type?.tensorType?.shape?.dim ?? [])[1] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'tokens' });
      replaceOutputs.set(o.name, v);
    }
  }
  if (replaceInputs.size || replaceOutputs.size) r = { ...r, bytes: editModel(r.bytes, { replaceInputs, replaceOutputs }, what) };
  return r;
}
