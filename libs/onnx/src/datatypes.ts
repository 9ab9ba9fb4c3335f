import { onnx } from 'onnx-proto';

/** Tensor datatype names of the Open Inference Protocol (KServe v2 / Triton). */
export type OipDatatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/** The onnxruntime-node tensor types that have an Open Inference Protocol counterpart. */
export type OrtTensorType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

export class UnsupportedDatatypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedDatatypeError';
  }
}

const { DataType } = onnx.TensorProto;

/**
 * The single source of truth for datatype names, like KServe's numpy_codec. Types missing here
 * (ONNX BFLOAT16 and COMPLEX*, onnxruntime int4/uint4) have no Open Inference Protocol name, so a
 * model using them cannot be served and the lookups below say so.
 */
const DATATYPES: ReadonlyArray<{ oip: OipDatatype; ort: OrtTensorType; onnx: onnx.TensorProto.DataType }> = [
  { oip: 'BOOL', ort: 'bool', onnx: DataType.BOOL },
  { oip: 'UINT8', ort: 'uint8', onnx: DataType.UINT8 },
  { oip: 'UINT16', ort: 'uint16', onnx: DataType.UINT16 },
  { oip: 'UINT32', ort: 'uint32', onnx: DataType.UINT32 },
  { oip: 'UINT64', ort: 'uint64', onnx: DataType.UINT64 },
  { oip: 'INT8', ort: 'int8', onnx: DataType.INT8 },
  { oip: 'INT16', ort: 'int16', onnx: DataType.INT16 },
  { oip: 'INT32', ort: 'int32', onnx: DataType.INT32 },
  { oip: 'INT64', ort: 'int64', onnx: DataType.INT64 },
  { oip: 'FP16', ort: 'float16', onnx: DataType.FLOAT16 },
  { oip: 'FP32', ort: 'float32', onnx: DataType.FLOAT },
  { oip: 'FP64', ort: 'float64', onnx: DataType.DOUBLE },
  { oip: 'BYTES', ort: 'string', onnx: DataType.STRING },
];

const OIP_BY_ORT = new Map<string, OipDatatype>(DATATYPES.map((row) => [row.ort, row.oip]));
const ORT_BY_OIP = new Map<string, OrtTensorType>(DATATYPES.map((row) => [row.oip, row.ort]));
const OIP_BY_ONNX = new Map<number, OipDatatype>(DATATYPES.map((row) => [row.onnx, row.oip]));

export function oipFromOrtType(ortType: string): OipDatatype {
  const oip = OIP_BY_ORT.get(ortType);
  if (oip === undefined) {
    throw new UnsupportedDatatypeError(`onnxruntime tensor type "${ortType}" has no Open Inference Protocol datatype`);
  }
  return oip;
}

export function ortTypeFromOip(datatype: string): OrtTensorType {
  const ortType = ORT_BY_OIP.get(datatype);
  if (ortType === undefined) {
    throw new UnsupportedDatatypeError(`Open Inference Protocol datatype "${datatype}" is not supported by onnxruntime`);
  }
  return ortType;
}

export function oipFromOnnxElementType(elementType: number): OipDatatype {
  const oip = OIP_BY_ONNX.get(elementType);
  if (oip === undefined) {
    // The enum's reverse mapping turns 16 into "BFLOAT16"; numbers newer than onnx-proto stay numbers.
    const name = DataType[elementType] ?? 'unknown';
    throw new UnsupportedDatatypeError(
      `ONNX element type ${name} (${elementType}) has no Open Inference Protocol datatype`,
    );
  }
  return oip;
}
