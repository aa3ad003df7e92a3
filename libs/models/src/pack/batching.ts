/**
 * Runs a model over a batch when its graph fixes the batch size: the batch is cut into chunks of that size
 * (the last one padded by repeating its final item) and the outputs are joined again along dim 0. Outputs whose
 * dim 0 is a multiple of the batch ([B·heads, …]) are cut per item accordingly.
 */
import { ModelRuntimeError } from '../errors';
import type { HostTensor, TensorData } from '../runtime/runtime.types';

function sliceRows(t: HostTensor, from: number, count: number, totalRows: number): HostTensor {
  const per = t.data.length / totalRows;
  const data = t.data.subarray(from * per, (from + count) * per) as TensorData;
  return { dtype: t.dtype, dims: [count, ...t.dims.slice(1)], data };
}

/** Items [from, from+count) of a batch-major tensor with `batch` items, padded to `size` items by repeating the last. */
export function batchSlice(t: HostTensor, batch: number, from: number, count: number, size: number): HostTensor {
  const rowsPerItem = t.dims[0] / batch;
  const part = sliceRows(t, from * rowsPerItem, count * rowsPerItem, t.dims[0]);
  if (count === size) return part;
  const per = part.data.length / count;
  const data = new (part.data.constructor as new (n: number) => TensorData)(per * size);
  (data as Float32Array).set(part.data as Float32Array);
  for (let i = count; i < size; i++) (data as Float32Array).set((part.data as Float32Array).subarray((count - 1) * per, count * per), i * per);
  return { dtype: t.dtype, dims: [size * rowsPerItem, ...t.dims.slice(1)], data };
}

function concatRows(parts: readonly HostTensor[]): HostTensor {
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((a, p) => a + p.data.length, 0);
  const data = new (parts[0].data.constructor as new (n: number) => TensorData)(total);
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return { dtype: parts[0].dtype, dims: [parts.reduce((a, p) => a + p.dims[0], 0), ...parts[0].dims.slice(1)], data };
}

/**
 * Calls `run(start, count, size)` per chunk; `size` is the fixed batch (or the chunk's own count when free).
 * Each chunk's outputs are trimmed to `count` items (padding dropped) and concatenated. `maxChunk` caps the
 * items per call of a graph whose batch is free (the memory preflight's answer).
 */
export async function runInChunks(
  batch: number,
  fixedBatch: number | undefined,
  run: (start: number, count: number, size: number) => Promise<Record<string, HostTensor>>,
  maxChunk?: number,
): Promise<Record<string, HostTensor>> {
  if (!Number.isInteger(batch) || batch < 1) throw new ModelRuntimeError('BAD_ARGUMENT', `batch must be a positive integer, got ${batch}`);
  const step = fixedBatch ?? Math.max(1, Math.min(batch, maxChunk ?? batch));
  const parts: Record<string, HostTensor[]> = {};
  for (let start = 0; start < batch; start += step) {
    const count = Math.min(step, batch - start);
    const size = fixedBatch ?? count;
    const out = await run(start, count, size);
    for (const [name, t] of Object.entries(out)) {
      const rowsPerItem = t.dims[0] / size;
      (parts[name] ??= []).push(count === size ? t : sliceRows(t, 0, count * rowsPerItem, t.dims[0]));
    }
  }
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, concatRows(v)]));
}
