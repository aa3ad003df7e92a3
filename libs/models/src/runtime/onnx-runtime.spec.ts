import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRuntimeError } from '../errors';
import { buildModel, node, valueInfo } from '../onnx/graph-builder';
import { createOnnxRuntime } from './onnx-runtime';

let dir: string;
let modelPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refdiff-runtime-'));
  modelPath = join(dir, 'softmax.onnx');
  await writeFile(
    modelPath,
    buildModel({
      nodes: [node('Softmax', ['x'], ['y'], { attributes: { axis: -1 } })],
      inputs: [valueInfo('x', 'float32', ['batch', 3])],
      outputs: [valueInfo('y', 'float32', ['batch', 3])],
    }),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function logger() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  return { lines, info: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }), warn: () => undefined };
}

describe('onnx runtime adapter', () => {
  it('runs a model on the CPU provider and logs the choice', async () => {
    const log = logger();
    const runtime = createOnnxRuntime({ executionProvider: 'cpu', intraOpThreads: 1, logger: log });
    expect(log.lines[0].fields.executionProvider).toBe('cpu');
    const s = await runtime.load(modelPath, 'softmax');
    expect(s.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 3] }]);
    const out = await s.run({ x: { dtype: 'float32', dims: [1, 3], data: Float32Array.from([0, 0, Math.log(2)]) } });
    expect([...(out.y.data as Float32Array)].map((v) => +v.toFixed(5))).toEqual([0.25, 0.25, 0.5]);
    await s.dispose();
    await expect(s.run({ x: { dtype: 'float32', dims: [1, 3], data: new Float32Array(3) } })).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('writes a pre-allocated output where it is given (a view into a WebAssembly memory, as SAM post-processing lends) and checks it like a feed', async () => {
    const s = await createOnnxRuntime({ executionProvider: 'cpu', intraOpThreads: 1 }).load(modelPath, 'softmax');
    const x = { dtype: 'float32' as const, dims: [2, 3], data: Float32Array.from([0, 0, Math.log(2), 1, 2, 3]) };
    const plain = await s.run({ x });
    // the workspace compiles without the DOM typings that declare WebAssembly
    const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly;
    const memory = new wasm.Memory({ initial: 1 });
    const view = new Float32Array(memory.buffer, 64, 6).fill(-1);
    const y = { dtype: 'float32' as const, dims: [2, 3], data: view };
    const out = await s.run({ x }, ['y'], undefined, { y });
    expect(out.y).toBe(y);
    expect([...view]).toEqual([...(plain.y.data as Float32Array)]);
    await expect(s.run({ x }, ['y'], undefined, { y: { ...y, dims: [3, 2] } })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining("pre-allocated output 'y' must be float32 [batch, 3], got float32 [3, 2]"),
    });
    await expect(s.run({ x }, ['y'], undefined, { y: { ...y, data: view.subarray(0, 5) } })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(s.run({ x }, ['y'], undefined, { z: y })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining("'z'") });
    await s.dispose();
  });

  it('rejects a feed with a wrong dtype or shape, naming the tensor, expected and actual', async () => {
    const s = await createOnnxRuntime({ executionProvider: 'cpu' }).load(modelPath, 'softmax');
    const wrongDtype = s.run({ x: { dtype: 'int32', dims: [1, 3], data: new Int32Array(3) } });
    await expect(wrongDtype).rejects.toBeInstanceOf(ModelRuntimeError);
    await expect(wrongDtype).rejects.toThrow("softmax: input 'x' expects float32 [batch, 3], got int32 [1, 3]");
    await expect(s.run({ x: { dtype: 'float32', dims: [1, 4], data: new Float32Array(4) } })).rejects.toThrow(
      "input 'x' expects float32 [batch, 3], got float32 [1, 4] (dim 1 is 4, expected 3)",
    );
    await expect(s.run({ x: { dtype: 'float32', dims: [3], data: new Float32Array(3) } })).rejects.toMatchObject({ code: 'FEED_MISMATCH' });
    await expect(s.run({})).rejects.toMatchObject({ code: 'FEED_MISSING', message: expect.stringContaining("'x'") });
    await expect(
      s.run({ x: { dtype: 'float32', dims: [1, 3], data: new Float32Array(3) }, z: { dtype: 'float32', dims: [1], data: new Float32Array(1) } }),
    ).rejects.toMatchObject({ code: 'FEED_UNKNOWN', message: expect.stringContaining("'z'") });
    await expect(s.run({ x: { dtype: 'float32', dims: [2, 3], data: new Float32Array(3) } })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await s.dispose();
  });

  it('fails with a typed error and instructions when the CUDA provider libraries are absent (no silent fallback)', async () => {
    const log = logger();
    const runtime = createOnnxRuntime({ executionProvider: 'cuda', logger: log });
    expect(log.lines[0].fields.executionProvider).toBe('cuda');
    const err = await runtime.load(modelPath, 'softmax').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelRuntimeError);
    expect((err as ModelRuntimeError).code).toBe('PROVIDER_UNAVAILABLE');
    expect((err as Error).message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(log.lines.some((l) => l.message === 'model loaded')).toBe(false);
  });

  it('reports a missing model file as a load failure naming the path', async () => {
    await expect(createOnnxRuntime({ executionProvider: 'cpu' }).load(join(dir, 'nope.onnx'), 'nope')).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: expect.stringContaining('nope.onnx'),
    });
  });
});
