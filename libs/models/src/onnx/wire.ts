/**
 * Faithful edits of ONNX model bytes at the protobuf wire level. Every field of the model that an edit does not
 * touch is copied byte for byte — initializers, fields newer than the IR v8 schema onnx-proto knows, metadata —
 * so preparing a pack never loses content of a newer export and never reads or rewrites external weights.
 * Nodes are decoded (with onnx-proto) only to be identified; an input rename rewrites that one string field of
 * the node's bytes and copies the rest.
 */
import { ModelPackError } from '../errors';
import { onnx, type OnnxTypes } from './onnx-proto';

const MODEL_GRAPH = 7;
const MODEL_IR_VERSION = 1;
const MODEL_OPSET_IMPORT = 8;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** whole entry including the tag */
  readonly start: number;
  readonly end: number;
  /** payload of a length-delimited field */
  readonly payloadStart: number;
  /** varint value of a varint field */
  readonly varint?: number;
}

function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, pos];
    mul *= 128;
  }
  throw new Error('varint too long');
}

function* fields(buf: Uint8Array, from = 0, to = buf.length): Generator<Field> {
  let pos = from;
  while (pos < to) {
    const start = pos;
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    let payloadStart = pos;
    let varint: number | undefined;
    switch (wireType) {
      case 0: {
        const [v, p] = readVarint(buf, pos);
        varint = v;
        pos = p;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 2: {
        const [len, p] = readVarint(buf, pos);
        payloadStart = p;
        pos = p + len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType} at byte ${start}`);
    }
    if (pos > to) throw new Error(`field ${number} at byte ${start} runs past the end`);
    yield { number, wireType, start, end: pos, payloadStart, varint };
  }
}

function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function lengthDelimited(fieldNumber: number, payload: Uint8Array): Uint8Array[] {
  return [encodeVarint(fieldNumber * 8 + 2), encodeVarint(payload.length), payload];
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks.map((c) => (Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
}

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ModelPackError) throw err;
    throw new ModelPackError('GRAPH_INVALID', `${what}: not a readable ONNX model (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/** What a graph says about itself, without decoding initializer data or touching external data. */
export interface GraphSummary {
  readonly irVersion: number;
  readonly opsets: Readonly<Record<string, number>>;
  readonly nodes: readonly OnnxTypes.NodeProto[];
  readonly inputs: readonly OnnxTypes.ValueInfoProto[];
  readonly outputs: readonly OnnxTypes.ValueInfoProto[];
  readonly valueInfo: readonly OnnxTypes.ValueInfoProto[];
  readonly initializerNames: ReadonlySet<string>;
  /** dims of every initializer (read from its header; the data is never decoded) */
  readonly initializerDims: ReadonlyMap<string, readonly number[]>;
  /** `location` of every initializer stored as external data (relative to the graph file), in order, unique */
  readonly externalDataFiles: readonly string[];
}

/** Reads the graph structure of an ONNX model (`what` names the file in errors). */
export function readGraphSummary(bytes: Uint8Array, what: string): GraphSummary {
  return wrap(what, () => {
    let irVersion = 0;
    const opsets: Record<string, number> = {};
    const nodes: OnnxTypes.NodeProto[] = [];
    const inputs: OnnxTypes.ValueInfoProto[] = [];
    const outputs: OnnxTypes.ValueInfoProto[] = [];
    const valueInfo: OnnxTypes.ValueInfoProto[] = [];
    const initializerNames = new Set<string>();
    const initializerDims = new Map<string, number[]>();
    const externalDataFiles = new Set<string>();
    let sawGraph = false;
    for (const f of fields(bytes)) {
      if (f.number === MODEL_IR_VERSION && f.wireType === 0) irVersion = f.varint ?? 0;
      else if (f.number === MODEL_OPSET_IMPORT && f.wireType === 2) {
        const o = onnx.OperatorSetIdProto.decode(bytes.subarray(f.payloadStart, f.end));
        opsets[o.domain] = Number(o.version);
      } else if (f.number === MODEL_GRAPH && f.wireType === 2) {
        sawGraph = true;
        for (const g of fields(bytes, f.payloadStart, f.end)) {
          if (g.wireType !== 2) continue;
          const payload = bytes.subarray(g.payloadStart, g.end);
          if (g.number === GRAPH_NODE) nodes.push(onnx.NodeProto.decode(payload));
          else if (g.number === GRAPH_INPUT) inputs.push(onnx.ValueInfoProto.decode(payload));
          else if (g.number === GRAPH_OUTPUT) outputs.push(onnx.ValueInfoProto.decode(payload));
          else if (g.number === GRAPH_VALUE_INFO) valueInfo.push(onnx.ValueInfoProto.decode(payload));
          else if (g.number === GRAPH_INITIALIZER) {
            // only the dims (field 1), name (8) and external_data (13) — the data may be hundreds of megabytes
            let name = '';
            const dims: number[] = [];
            for (const t of fields(bytes, g.payloadStart, g.end)) {
              if (t.number === 1 && t.wireType === 0) dims.push(t.varint ?? 0);
              else if (t.number === 1 && t.wireType === 2) {
                for (let p = t.payloadStart; p < t.end; ) {
                  const [v, next] = readVarint(bytes, p);
                  dims.push(v);
                  p = next;
                }
              } else if (t.number === 8 && t.wireType === 2) {
                name = new TextDecoder().decode(bytes.subarray(t.payloadStart, t.end));
                initializerNames.add(name);
              } else if (t.number === 13 && t.wireType === 2) {
                const entry = onnx.StringStringEntryProto.decode(bytes.subarray(t.payloadStart, t.end));
                if (entry.key === 'location') externalDataFiles.add(entry.value);
              }
            }
            if (name) initializerDims.set(name, dims);
          }
        }
      }
    }
    if (!sawGraph) throw new Error('it has no graph');
    return { irVersion, opsets, nodes, inputs, outputs, valueInfo, initializerNames, initializerDims, externalDataFiles: [...externalDataFiles] };
  });
}

export interface GraphEdit {
  /** Nodes to insert immediately before the node with this name (keeps the node list topologically sorted). */
  readonly insertBefore?: ReadonlyMap<string, readonly OnnxTypes.INodeProto[]>;
  /** Renames inputs of a node (keyed by node name): every input equal to `from` becomes `to`. */
  readonly renameInputs?: ReadonlyMap<string, { readonly from: string; readonly to: string }>;
  /** Renames outputs of a node (keyed by node name): the output equal to `from` becomes `to`. */
  readonly renameOutputs?: ReadonlyMap<string, { readonly from: string; readonly to: string }>;
  readonly appendNodes?: readonly OnnxTypes.INodeProto[];
  readonly appendInputs?: readonly OnnxTypes.IValueInfoProto[];
  readonly appendOutputs?: readonly OnnxTypes.IValueInfoProto[];
  readonly appendInitializers?: readonly OnnxTypes.ITensorProto[];
  /** Replaces graph inputs' declarations (type and shape) by name. */
  readonly replaceInputs?: ReadonlyMap<string, OnnxTypes.IValueInfoProto>;
  /** Replaces graph outputs' declarations by name. */
  readonly replaceOutputs?: ReadonlyMap<string, OnnxTypes.IValueInfoProto>;
}

/**
 * Applies an edit to model bytes. Untouched fields are copied verbatim; the graph field is re-assembled from
 * its original entries plus the edit. Every name in `insertBefore` and `renameInputs` must exist, and every
 * renamed input must be found.
 */
export function editModel(bytes: Uint8Array, edit: GraphEdit, what: string): Uint8Array {
  return wrap(what, () => {
    const out: Uint8Array[] = [];
    const pending = new Set<string>([...(edit.insertBefore?.keys() ?? []), ...(edit.renameInputs?.keys() ?? []), ...(edit.renameOutputs?.keys() ?? [])]);
    const graphFields = [...fields(bytes)].filter((f) => f.number === MODEL_GRAPH && f.wireType === 2);
    if (graphFields.length === 0) throw new Error('it has no graph');
    const lastGraph = graphFields[graphFields.length - 1];
    for (const f of fields(bytes)) {
      if (!(f.number === MODEL_GRAPH && f.wireType === 2)) {
        out.push(bytes.subarray(f.start, f.end));
        continue;
      }
      const g: Uint8Array[] = [];
      for (const e of fields(bytes, f.payloadStart, f.end)) {
        const replace = e.number === GRAPH_INPUT ? edit.replaceInputs : e.number === GRAPH_OUTPUT ? edit.replaceOutputs : undefined;
        if (replace?.size && e.wireType === 2) {
          const v = onnx.ValueInfoProto.decode(bytes.subarray(e.payloadStart, e.end));
          const replacement = replace.get(v.name);
          if (replacement) {
            g.push(...lengthDelimited(e.number, onnx.ValueInfoProto.encode(replacement).finish()));
            continue;
          }
        }
        if (e.number === GRAPH_NODE && e.wireType === 2 && pending.size > 0) {
          const n = onnx.NodeProto.decode(bytes.subarray(e.payloadStart, e.end));
          const before = edit.insertBefore?.get(n.name);
          if (before) {
            for (const b of before) g.push(...lengthDelimited(GRAPH_NODE, onnx.NodeProto.encode(b).finish()));
            pending.delete(n.name);
          }
          const rename = edit.renameInputs?.get(n.name);
          const renameOut = edit.renameOutputs?.get(n.name);
          if (rename || renameOut) {
            let nodeBytes = bytes.subarray(e.payloadStart, e.end);
            if (rename) nodeBytes = renameNodeField(nodeBytes, NODE_INPUT, rename.from, rename.to, n.name);
            if (renameOut) nodeBytes = renameNodeField(nodeBytes, NODE_OUTPUT, renameOut.from, renameOut.to, n.name);
            g.push(...lengthDelimited(GRAPH_NODE, nodeBytes));
            pending.delete(n.name);
            continue;
          }
        }
        g.push(bytes.subarray(e.start, e.end));
      }
      if (f.start === lastGraph.start) {
        for (const n of edit.appendNodes ?? []) g.push(...lengthDelimited(GRAPH_NODE, onnx.NodeProto.encode(n).finish()));
        for (const t of edit.appendInitializers ?? [])
          g.push(...lengthDelimited(GRAPH_INITIALIZER, onnx.TensorProto.encode(t).finish()));
        for (const v of edit.appendInputs ?? [])
          g.push(...lengthDelimited(GRAPH_INPUT, onnx.ValueInfoProto.encode(v).finish()));
        for (const v of edit.appendOutputs ?? [])
          g.push(...lengthDelimited(GRAPH_OUTPUT, onnx.ValueInfoProto.encode(v).finish()));
      }
      out.push(...lengthDelimited(MODEL_GRAPH, concat(g)));
    }
    if (pending.size > 0) throw new Error(`nodes not found: ${[...pending].join(', ')}`);
    return concat(out);
  });
}

const NODE_INPUT = 1;
const NODE_OUTPUT = 2;

/** A node's bytes with every input (or output) field equal to `from` replaced by `to`; all other fields copied verbatim. */
function renameNodeField(node: Uint8Array, field: number, from: string, to: string, name: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  const fromBytes = Buffer.from(from, 'utf8');
  let renamed = 0;
  for (const f of fields(node)) {
    if (f.number === field && f.wireType === 2 && Buffer.compare(Buffer.from(node.subarray(f.payloadStart, f.end)), fromBytes) === 0) {
      chunks.push(...lengthDelimited(field, Buffer.from(to, 'utf8')));
      renamed++;
    } else chunks.push(node.subarray(f.start, f.end));
  }
  if (renamed === 0) throw new Error(`node ${name} has no ${field === NODE_INPUT ? 'input' : 'output'} ${from}`);
  return concat(chunks);
}

/** One initializer's header (and its inline data, when stored in the graph file), found by name. */
export interface InitializerInfo {
  readonly name: string;
  readonly dims: readonly number[];
  /** ONNX TensorProto.DataType */
  readonly dataType: number;
  /** true when the values live in an external data file (then `tensor` has no data) */
  readonly external: boolean;
  readonly tensor: OnnxTypes.TensorProto;
}

/**
 * Reads one initializer by name without decoding the others (their payloads are skipped by length). Returns null
 * when the graph has no initializer of that name.
 */
export function readInitializer(bytes: Uint8Array, name: string, what: string): InitializerInfo | null {
  return wrap(what, () => {
    const wanted = Buffer.from(name, 'utf8');
    for (const f of fields(bytes)) {
      if (!(f.number === MODEL_GRAPH && f.wireType === 2)) continue;
      for (const g of fields(bytes, f.payloadStart, f.end)) {
        if (g.number !== GRAPH_INITIALIZER || g.wireType !== 2) continue;
        for (const t of fields(bytes, g.payloadStart, g.end)) {
          if (t.number !== 8 || t.wireType !== 2) continue;
          if (Buffer.compare(Buffer.from(bytes.subarray(t.payloadStart, t.end)), wanted) !== 0) break;
          const tensor = onnx.TensorProto.decode(bytes.subarray(g.payloadStart, g.end));
          return {
            name,
            dims: tensor.dims.map((d) => Number(d)),
            dataType: tensor.dataType,
            external: tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL,
            tensor,
          };
        }
      }
    }
    return null;
  });
}
