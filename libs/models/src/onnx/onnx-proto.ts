/**
 * The ONNX protobuf schema (IR v8) from `onnx-proto`, as an ES value. Used to build and read graphs; pack
 * preparation never re-encodes a whole model with it (fields newer than IR v8 would be dropped) — see wire.ts.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** ONNX TensorProto.DataType values used in this project. */
export const OnnxDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;
