import { describe, expect, it } from 'vitest';
import { buildModel, externalizeInitializers, modelProto, node, tensor, valueInfo } from './graph-builder';
import { onnx, type OnnxTypes } from './onnx-proto';
import { editModel, readGraphSummary } from './wire';

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
function field(num: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...varint(num * 8 + 2), ...varint(payload.length), ...payload]);
}
function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay).indexOf(Buffer.from(needle)) >= 0;
}

const spec = {
  nodes: [node('Mul', ['x', 'w'], ['h'], { name: '/a/attn2/Mul' }), node('Softmax', ['h'], ['y'], { name: '/a/attn2/Softmax', attributes: { axis: -1 } })],
  inputs: [valueInfo('x', 'float32', ['batch', 4])],
  outputs: [valueInfo('y', 'float32', ['batch', 4])],
  initializers: [tensor('w', 'float32', [4], [1, 2, 3, 4])],
};

describe('wire-level model edits', () => {
  it('copy fields they do not know (newer IR content) byte for byte, inside and outside the graph', () => {
    const m = modelProto(spec);
    const graphBytes = onnx.GraphProto.encode(m.graph as OnnxTypes.GraphProto).finish();
    m.graph = null;
    const unknownInGraph = field(99, new TextEncoder().encode('future graph field'));
    const unknownInModel = field(98, new TextEncoder().encode('future model field'));
    const bytes = Buffer.concat([onnx.ModelProto.encode(m).finish(), field(7, Buffer.concat([graphBytes, unknownInGraph])), unknownInModel]);
    const edited = editModel(bytes, { appendNodes: [node('Identity', ['h'], ['logits'])], appendOutputs: [valueInfo('logits', 'float32')] }, 'test');
    expect(contains(edited, unknownInGraph)).toBe(true);
    expect(contains(edited, unknownInModel)).toBe(true);
    const g = readGraphSummary(edited, 'test');
    expect(g.outputs.map((o) => o.name)).toEqual(['y', 'logits']);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Mul', 'Softmax', 'Identity']);
  });

  it('insert nodes before a named node and rename its input; a missing name or input is an error', () => {
    const bytes = buildModel(spec);
    const edited = editModel(
      bytes,
      {
        insertBefore: new Map([['/a/attn2/Softmax', [node('Add', ['h', 'bias'], ['hb'], { name: 'add' })]]]),
        renameInputs: new Map([['/a/attn2/Softmax', { from: 'h', to: 'hb' }]]),
        appendInputs: [valueInfo('bias', 'float32', ['batch', 4])],
      },
      'test',
    );
    const g = readGraphSummary(edited, 'test');
    expect(g.nodes.map((n) => `${n.opType}:${n.input.join(',')}`)).toEqual(['Mul:x,w', 'Add:h,bias', 'Softmax:hb']);
    expect(g.inputs.map((i) => i.name)).toEqual(['x', 'bias']);
    expect(() => editModel(bytes, { renameInputs: new Map([['nope', { from: 'x', to: 'z' }]]) }, 'm.onnx')).toThrow('m.onnx: not a readable ONNX model (nodes not found: nope)');
    expect(() => editModel(bytes, { renameInputs: new Map([['/a/attn2/Softmax', { from: 'q', to: 'z' }]]) }, 'm.onnx')).toThrow('node /a/attn2/Softmax has no input q');
    // the Softmax keeps its other fields (axis attribute) byte for byte
    const softmax = readGraphSummary(edited, 'test').nodes[2];
    expect(softmax.attribute.map((a) => [a.name, Number(a.i)])).toEqual([['axis', -1]]);
  });

  it('read external data locations without touching the data', () => {
    const { graph } = externalizeInitializers(modelProto({ ...spec, initializers: [tensor('w', 'float32', [16], new Array(16).fill(1))] }), 'weights.pb');
    expect(readGraphSummary(graph, 'test').externalDataFiles).toEqual(['weights.pb']);
    expect(() => readGraphSummary(Uint8Array.from([0xff, 0xff]), 'junk.onnx')).toThrow('junk.onnx: not a readable ONNX model');
  });
});
