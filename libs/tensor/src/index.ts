export { codecForDatatype, codecForOrtType, findCodec, floatToJson, int64ToJson } from './element-codec';
export type { ElementCodec, TensorData } from './element-codec';
export type { DecodeLimits } from './feeds';
export { fromFloat16Bits, toFloat16Bits, FLOAT16_MAX } from './float16';
export { describeJsonValue, isJsonObject } from './json-value';
export { inferNestedShape, readNested, writeNested } from './nested-array';
export { type BodyDecoder, decodeWithExactIntegers, parseKeepingLargeIntegers } from './exact-integers';
export { decodeInferRequest, encodeBinaryInferResponse, encodeInferResponse } from './oip-codec';
export type { InferRequest, InferResponse, InferResponseArgs, InferResponseOutput, OipParameters } from './oip-codec';
export {
  BINARY_DATA,
  BINARY_DATA_OUTPUT,
  BINARY_DATA_SIZE,
  BINARY_TENSOR_DATA_EXTENSION,
  BinaryBodyError,
  elementByteSize,
  frameBinaryBody,
  INFERENCE_HEADER_CONTENT_LENGTH,
  splitBinaryBody,
} from './oip-binary';
export { decodePredictRequest, encodeOutputsAsNested } from './predict-codec';
export { columnarOutputs, predictionRows } from './v1-protocol-answer';
export { MAX_EXAMPLE_DEPTH, MAX_EXAMPLE_ELEMENTS, predictBodyShapeProblems } from './predict-body-shape';
export { elementCountOf, formatShape, rowMajorStrides, shapeMismatch } from './shape';
export { compactData } from './typed-array-slab';
export { MAX_PROBLEMS, TensorDecodeError } from './tensor-decode-error';
export type { TensorProblem } from './tensor-decode-error';
export * from './batch';
export * from './summaries';
export { decodeGrpcInferRequest, encodeGrpcInferResponse } from './oip-grpc-codec';
export type { GrpcDecodedRequest, GrpcInferInputTensor, GrpcInferOutputTensor, GrpcInferParameter, GrpcInferRequest, GrpcInferResponse, GrpcTensorContents } from './oip-grpc-codec';
