import { onnx } from 'onnx-proto';

/**
 * Decodes an ONNX file strictly, throwing on any length that runs past its end. protobufjs reads a
 * Node Buffer (what the artifact stores give) with a reader that cuts a string field short at the end
 * of the file instead of refusing it, so a truncated or crafted file could decode as a smaller model;
 * a plain Uint8Array view of the same memory, with no copy, gets the reader that checks every length.
 */
export function decodeModelProto(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
