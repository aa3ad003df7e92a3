/** Host tensor helpers: allocation, dtype conversion (int32/int64 ids, float16 bits) and reading as float32. */
import { float16BitsToFloat32, float32ToFloat16Bits } from '../onnx/graph-builder';
import type { HostTensor, TensorData, TensorDType } from './runtime.types';

export function allocate(dtype: TensorDType, n: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float16':
      return new Uint16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'bool':
    case 'uint8':
      return new Uint8Array(n);
  }
}

export function zeros(dtype: TensorDType, dims: readonly number[]): HostTensor {
  return { dtype, dims, data: allocate(dtype, dims.reduce((a, b) => a * b, 1)) };
}

/** Converts numbers to a tensor of `dtype` (ints truncated; float16 rounded to nearest even). */
export function fromNumbers(dtype: TensorDType, dims: readonly number[], values: ArrayLike<number>): HostTensor {
  const data = allocate(dtype, values.length);
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < values.length; i++) data[i] = BigInt(Math.trunc(values[i]));
  } else if (dtype === 'float16') {
    for (let i = 0; i < values.length; i++) data[i] = float32ToFloat16Bits(values[i]);
  } else {
    (data as Float32Array | Int32Array | Uint8Array).set(values);
  }
  return { dtype, dims, data };
}

/** Reads any numeric tensor as float32 (float16 bits decoded). */
export function toFloat32(t: HostTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  const out = new Float32Array(t.data.length);
  if (t.dtype === 'float16') {
    const d = t.data as Uint16Array;
    for (let i = 0; i < d.length; i++) out[i] = float16BitsToFloat32(d[i]);
  } else if (t.data instanceof BigInt64Array) {
    for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
  } else {
    out.set(t.data as ArrayLike<number>);
  }
  return out;
}
