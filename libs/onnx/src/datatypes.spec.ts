import { onnx } from 'onnx-proto';
import { UnsupportedDatatypeError, oipFromOnnxElementType, oipFromOrtType, ortTypeFromOip } from './datatypes';

const { DataType } = onnx.TensorProto;

describe('datatype table', () => {
  it.each([
    ['float32', 'FP32', DataType.FLOAT],
    ['float64', 'FP64', DataType.DOUBLE],
    ['float16', 'FP16', DataType.FLOAT16],
    ['int8', 'INT8', DataType.INT8],
    ['int16', 'INT16', DataType.INT16],
    ['int32', 'INT32', DataType.INT32],
    ['int64', 'INT64', DataType.INT64],
    ['uint8', 'UINT8', DataType.UINT8],
    ['uint16', 'UINT16', DataType.UINT16],
    ['uint32', 'UINT32', DataType.UINT32],
    ['uint64', 'UINT64', DataType.UINT64],
    ['bool', 'BOOL', DataType.BOOL],
    ['string', 'BYTES', DataType.STRING],
  ])('maps onnxruntime %s ↔ %s ← ONNX element type %d', (ortType, oip, onnxElementType) => {
    expect(oipFromOrtType(ortType)).toBe(oip);
    expect(ortTypeFromOip(oip)).toBe(ortType);
    expect(oipFromOnnxElementType(onnxElementType)).toBe(oip);
  });

  it('names an onnxruntime type without an Open Inference Protocol datatype', () => {
    expect(() => oipFromOrtType('int4')).toThrow(UnsupportedDatatypeError);
    expect(() => oipFromOrtType('int4')).toThrow('onnxruntime tensor type "int4" has no Open Inference Protocol datatype');
  });

  it('names an unknown Open Inference Protocol datatype', () => {
    expect(() => ortTypeFromOip('BF16')).toThrow(UnsupportedDatatypeError);
    expect(() => ortTypeFromOip('BF16')).toThrow('Open Inference Protocol datatype "BF16" is not supported by onnxruntime');
  });

  it('takes the datatype names case-sensitively, as the protocol spells them', () => {
    expect(() => ortTypeFromOip('fp32')).toThrow('"fp32"');
  });

  it.each([
    [DataType.BFLOAT16, 'ONNX element type BFLOAT16 (16) has no Open Inference Protocol datatype'],
    [DataType.COMPLEX64, 'ONNX element type COMPLEX64 (14) has no Open Inference Protocol datatype'],
    [DataType.UNDEFINED, 'ONNX element type UNDEFINED (0) has no Open Inference Protocol datatype'],
    [99, 'ONNX element type unknown (99) has no Open Inference Protocol datatype'],
  ])('names ONNX element type %d when it has no datatype', (elementType, message) => {
    expect(() => oipFromOnnxElementType(elementType)).toThrow(UnsupportedDatatypeError);
    expect(() => oipFromOnnxElementType(elementType)).toThrow(message);
  });
});
