/**
 * Small helpers to build ONNX graphs in TypeScript (tests, fixture exports). Deterministic: the same calls give
 * the same bytes. Tensors are stored as little-endian raw_data; `externalizeInitializers` moves them into a
 * separate data file as the large public exports do (UNet weights.pb).
 */
import { onnx, OnnxDataType, type OnnxTypes } from './onnx-proto';

export type GraphDType = 'float32' | 'float16' | 'int32' | 'int64' | 'bool' | 'uint8';

const DTYPE_CODE: Record<GraphDType, number> = {
  float32: OnnxDataType.FLOAT,
  float16: OnnxDataType.FLOAT16,
  int32: OnnxDataType.INT32,
  int64: OnnxDataType.INT64,
  bool: OnnxDataType.BOOL,
  uint8: OnnxDataType.UINT8,
};

export function dtypeCode(dtype: GraphDType): number {
  return DTYPE_CODE[dtype];
}

/** A graph input/output declaration; string dims are symbolic (`'B'`), numbers fixed. */
export function valueInfo(
  name: string,
  dtype: GraphDType,
  shape?: readonly (number | string)[],
): OnnxTypes.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: DTYPE_CODE[dtype],
        shape:
          shape === undefined
            ? null
            : onnx.TensorShapeProto.create({
                dim: shape.map((d) =>
                  typeof d === 'number'
                    ? onnx.TensorShapeProto.Dimension.create({ dimValue: d })
                    : onnx.TensorShapeProto.Dimension.create({ dimParam: d }),
                ),
              }),
      }),
    }),
  });
}

function rawBytes(dtype: GraphDType, values: ArrayLike<number> | ArrayLike<bigint>): Uint8Array {
  const n = values.length;
  switch (dtype) {
    case 'float32': {
      const a = Float32Array.from(values as ArrayLike<number>);
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    }
    case 'int32': {
      const a = Int32Array.from(values as ArrayLike<number>);
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    }
    case 'int64': {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(values[i] as number | bigint);
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    }
    case 'float16': {
      const a = new Uint16Array(n);
      for (let i = 0; i < n; i++) a[i] = float32ToFloat16Bits(values[i] as number);
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    }
    case 'bool':
    case 'uint8':
      return Uint8Array.from(values as ArrayLike<number>);
  }
}

/** IEEE half-precision bits of a float32 value (round to nearest even). */
export function float32ToFloat16Bits(value: number): number {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = value;
  const x = u[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half >>> 10;
  return sign | half;
}

/** Float32 value of IEEE half-precision bits. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** A constant tensor (initializer or Constant value). */
export function tensor(
  name: string,
  dtype: GraphDType,
  dims: readonly number[],
  values: ArrayLike<number> | ArrayLike<bigint>,
): OnnxTypes.ITensorProto {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) {
    throw new Error(`tensor ${name}: ${values.length} values for dims [${dims.join(', ')}] (expected ${expected})`);
  }
  return onnx.TensorProto.create({ name, dataType: DTYPE_CODE[dtype], dims: [...dims], rawData: rawBytes(dtype, values) });
}

export type AttributeValue = number | string | readonly number[] | { readonly tensor: OnnxTypes.ITensorProto } | { readonly float: number };

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? onnx.AttributeProto.create({ name, type: T.INT, i: value })
      : onnx.AttributeProto.create({ name, type: T.FLOAT, f: value });
  }
  if (typeof value === 'string') {
    return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(value) });
  }
  if ('tensor' in value) return onnx.AttributeProto.create({ name, type: T.TENSOR, t: value.tensor });
  if ('float' in value) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: value.float });
  return onnx.AttributeProto.create({ name, type: T.INTS, ints: [...(value as readonly number[])] });
}

export interface NodeOptions {
  readonly name?: string;
  readonly domain?: string;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  options: NodeOptions = {},
): OnnxTypes.INodeProto {
  return onnx.NodeProto.create({
    opType,
    input: [...inputs],
    output: [...outputs],
    name: options.name ?? '',
    domain: options.domain ?? '',
    attribute: Object.entries(options.attributes ?? {}).map(([k, v]) => attribute(k, v)),
  });
}

export interface GraphSpec {
  readonly name?: string;
  readonly nodes: readonly OnnxTypes.INodeProto[];
  readonly inputs: readonly OnnxTypes.IValueInfoProto[];
  readonly outputs: readonly OnnxTypes.IValueInfoProto[];
  readonly initializers?: readonly OnnxTypes.ITensorProto[];
  readonly valueInfo?: readonly OnnxTypes.IValueInfoProto[];
  /** default opset 17 */
  readonly opset?: number;
  /** extra opset imports, e.g. { 'com.microsoft': 1 } */
  readonly extraOpsets?: Readonly<Record<string, number>>;
  readonly producerName?: string;
}

export function modelProto(spec: GraphSpec): OnnxTypes.ModelProto {
  return onnx.ModelProto.create({
    irVersion: 8,
    producerName: spec.producerName ?? 'refdiff',
    opsetImport: [
      onnx.OperatorSetIdProto.create({ domain: '', version: spec.opset ?? 17 }),
      ...Object.entries(spec.extraOpsets ?? {}).map(([domain, version]) =>
        onnx.OperatorSetIdProto.create({ domain, version }),
      ),
    ],
    graph: onnx.GraphProto.create({
      name: spec.name ?? 'graph',
      node: [...spec.nodes],
      input: [...spec.inputs],
      output: [...spec.outputs],
      initializer: [...(spec.initializers ?? [])],
      valueInfo: [...(spec.valueInfo ?? [])],
    }),
  });
}

/** Encodes a graph spec into ONNX model bytes. */
export function buildModel(spec: GraphSpec): Uint8Array {
  return onnx.ModelProto.encode(modelProto(spec)).finish();
}

/**
 * Moves the raw data of every float initializer into one external data file (as torch.onnx does for models
 * > 2 GB; integer shape constants and tensors under `minBytes` stay inline, as there, because shape inference reads them), so that the
 * graph must be loaded from a path with the data file beside it. Offsets are 64-byte aligned.
 */
export function externalizeInitializers(
  model: OnnxTypes.ModelProto,
  location: string,
  minBytes = 64,
): { readonly graph: Uint8Array; readonly data: Uint8Array } {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const init of model.graph?.initializer ?? []) {
    const raw = init.rawData;
    if (!raw || raw.length < Math.max(1, minBytes)) continue;
    if (init.dataType !== OnnxDataType.FLOAT && init.dataType !== OnnxDataType.FLOAT16) continue;
    const pad = (64 - (offset % 64)) % 64;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    init.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: location }),
      onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
      onnx.StringStringEntryProto.create({ key: 'length', value: String(raw.length) }),
    ];
    init.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    chunks.push(raw);
    offset += raw.length;
    init.rawData = new Uint8Array(0);
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { graph: onnx.ModelProto.encode(model).finish(), data };
}
