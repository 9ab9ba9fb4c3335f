import type { OipDatatype } from '@switchyard/onnx';
import { readByteString } from './byte-strings';
import { toFloat16Bits } from './float16';
import type { TensorData } from './element-codec';

/**
 * The Open Inference Protocol's binary tensor data extension (KServe's and Triton's "Binary Tensor
 * Data Extension"): a body is the JSON request (or response) followed by the tensors' bytes, in the
 * order their JSON entries name them; `Inference-Header-Content-Length` gives the JSON's length.
 * Tensor bytes are little-endian, row-major, unpadded; BOOL is one byte (0 or 1), BYTES elements are
 * a 4-byte little-endian unsigned length followed by that many bytes.
 */

/** The name servers list in server metadata's `extensions` when they speak it. */
export const BINARY_TENSOR_DATA_EXTENSION = 'binary_tensor_data';
/** The HTTP header giving the JSON part's length in bytes (Node lower-cases header names). */
export const INFERENCE_HEADER_CONTENT_LENGTH = 'inference-header-content-length';

/** The request and response parameters the extension defines, and their JSON types. */
export const BINARY_DATA_SIZE = 'binary_data_size';
export const BINARY_DATA = 'binary_data';
export const BINARY_DATA_OUTPUT = 'binary_data_output';

const ELEMENT_BYTES: Record<OipDatatype, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
  BYTES: 0,
};

/** Bytes per element of a fixed-size datatype; undefined for BYTES, whose elements carry their own length. */
export function elementByteSize(datatype: OipDatatype): number | undefined {
  const size = ELEMENT_BYTES[datatype];
  return size === 0 ? undefined : size;
}

/** Why a body cannot be split, or a tensor's bytes cannot be read: a message naming what to fix. */
export class BinaryBodyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BinaryBodyError';
  }
}

const DECIMAL = /^[0-9]{1,15}$/;

/**
 * Splits a body at `Inference-Header-Content-Length`: the JSON part and the binary part after it.
 * Both are views of `body`, not copies (a 16 MiB tensor is not held twice).
 */
export function splitBinaryBody(body: Uint8Array, headerLength: string): { json: Uint8Array; binary: Uint8Array } {
  const text = headerLength.trim();
  if (!DECIMAL.test(text)) {
    throw new BinaryBodyError('Inference-Header-Content-Length', `expected the JSON part's length as a decimal number of bytes, got ${JSON.stringify(text.slice(0, 32))}`);
  }
  const length = Number(text);
  if (length > body.length) {
    throw new BinaryBodyError(
      'Inference-Header-Content-Length',
      `says the JSON part is ${length} bytes, past the end of the ${body.length}-byte body; it must be the length of the JSON alone, with the tensor bytes after it`,
    );
  }
  if (length === 0) throw new BinaryBodyError('Inference-Header-Content-Length', 'is 0: the body must start with the JSON inference request, and the header give its length');
  return { json: body.subarray(0, length), binary: body.subarray(length) };
}

/**
 * The binary part of a request, read tensor by tensor in the order the JSON lists them. `take` hands
 * out views; a size past the end is the "missing binary part" the caller must be told about.
 */
export class BinarySection {
  private offset = 0;

  constructor(readonly bytes: Uint8Array) {}

  get consumed(): number {
    return this.offset;
  }

  /** The next `size` bytes, or the number of bytes that remain when fewer do (nothing is consumed then). */
  take(size: number): Uint8Array | { remaining: number } {
    const remaining = this.bytes.length - this.offset;
    if (size > remaining) return { remaining };
    const view = this.bytes.subarray(this.offset, this.offset + size);
    this.offset += size;
    return view;
  }
}

type TypedArrayConstructor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T; BYTES_PER_ELEMENT: number };

/**
 * A typed array over `bytes`, without copying when they sit at an offset the type can be aligned to
 * (the usual case: the body reader aligns the binary part), else over a copy. The hosts onnxruntime-node
 * ships for are little-endian, as the extension's bytes are, so the bytes are the values.
 */
function viewAs<T>(type: TypedArrayConstructor<T>, bytes: Uint8Array, count: number): T {
  if (bytes.byteOffset % type.BYTES_PER_ELEMENT === 0) return new type(bytes.buffer, bytes.byteOffset, count);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new type(copy.buffer, 0, count);
}

/**
 * The elements of one tensor from its bytes (exactly `binary_data_size` of them): typed data for
 * onnxruntime, or a BinaryBodyError naming what is wrong. `field` names the input in messages.
 */
export function readBinaryTensor(datatype: OipDatatype, bytes: Uint8Array, count: number, field: string): TensorData {
  const size = elementByteSize(datatype);
  if (size !== undefined && bytes.length !== count * size) {
    throw new BinaryBodyError(
      `${field}.parameters.${BINARY_DATA_SIZE}`,
      `is ${bytes.length} bytes, but its shape holds ${count} ${datatype} elements of ${size} byte${size > 1 ? 's' : ''}: ${count * size} bytes`,
    );
  }
  switch (datatype) {
    case 'BOOL': {
      const values = viewAs(Uint8Array, bytes, count);
      const bad = values.findIndex((value) => value > 1);
      if (bad >= 0) throw new BinaryBodyError(`${field}`, `BOOL element ${bad} is the byte ${values[bad]}; BOOL elements are one byte each, 1 for true and 0 for false`);
      return values;
    }
    case 'UINT8':
      return viewAs(Uint8Array, bytes, count);
    case 'INT8':
      return viewAs(Int8Array, bytes, count);
    case 'UINT16':
    case 'FP16':
      // onnxruntime-node takes float16 data as its bits in a Uint16Array.
      return viewAs(Uint16Array, bytes, count);
    case 'INT16':
      return viewAs(Int16Array, bytes, count);
    case 'UINT32':
      return viewAs(Uint32Array, bytes, count);
    case 'INT32':
      return viewAs(Int32Array, bytes, count);
    case 'FP32':
      return viewAs(Float32Array, bytes, count);
    case 'UINT64':
      return viewAs(BigUint64Array, bytes, count);
    case 'INT64':
      return viewAs(BigInt64Array, bytes, count);
    case 'FP64':
      return viewAs(Float64Array, bytes, count);
    case 'BYTES':
      return readByteStrings(bytes, count, field);
  }
}

/**
 * BYTES elements as strings, since onnxruntime-node's string tensors take JavaScript strings. Bytes
 * that could not be handed over unchanged (see byte-strings.ts) are refused rather than altered.
 */
function readByteStrings(bytes: Uint8Array, count: number, field: string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings = new Array<string>(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.length) {
      throw new BinaryBodyError(
        `${field}.parameters.${BINARY_DATA_SIZE}`,
        `ends after ${i} of ${count} BYTES elements: each element is a 4-byte little-endian length followed by that many bytes`,
      );
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.length) {
      throw new BinaryBodyError(
        field,
        `BYTES element ${i} gives its length as ${length} bytes, but only ${bytes.length - offset} of the tensor's ${bytes.length} bytes (binary_data_size) remain`,
      );
    }
    const element = readByteString(bytes.subarray(offset, offset + length));
    if (element.problem !== undefined) throw new BinaryBodyError(field, `BYTES element ${i} ${element.problem}`);
    strings[i] = element.text;
    offset += length;
  }
  if (offset !== bytes.length) {
    throw new BinaryBodyError(
      `${field}.parameters.${BINARY_DATA_SIZE}`,
      `is ${bytes.length} bytes, but the ${count} BYTES elements its shape holds end after ${offset}`,
    );
  }
  return strings;
}

/** One output's data as the extension's bytes (a view where the data's own memory already is that). */
export function binaryTensorBytes(datatype: OipDatatype, data: TensorData | ArrayLike<number>): Uint8Array {
  if (datatype === 'BYTES') return writeByteStrings(data as string[]);
  if (datatype === 'FP16' && !(data instanceof Uint16Array)) {
    // Where a runtime has Float16Array, onnxruntime hands float16 outputs over as values, not bits.
    const values = data as ArrayLike<number>;
    const bits = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) bits[i] = float16BitsOf(values[i]);
    return new Uint8Array(bits.buffer);
  }
  if (datatype === 'BOOL') {
    const values = data as ArrayLike<number | boolean>;
    if (values instanceof Uint8Array) return values;
    return Uint8Array.from(values as ArrayLike<number>, (value) => (value ? 1 : 0));
  }
  const typed = data as ArrayBufferView;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** Half-precision bits, keeping infinities and NaN (toFloat16Bits refuses them, for requests). */
function float16BitsOf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const bits = toFloat16Bits(value);
  if (bits >= 0) return bits;
  return value < 0 ? 0xfc00 : 0x7c00;
}

function writeByteStrings(strings: readonly string[]): Uint8Array {
  const encoded = strings.map((value) => Buffer.from(value, 'utf8'));
  const bytes = Buffer.allocUnsafe(encoded.reduce((sum, element) => sum + 4 + element.length, 0));
  let offset = 0;
  for (const element of encoded) {
    bytes.writeUInt32LE(element.length, offset);
    element.copy(bytes, offset + 4);
    offset += 4 + element.length;
  }
  return bytes;
}

/**
 * A response body in the extension's framing: the JSON header, then each binary output's bytes in
 * the order the header lists them. `headerLength` goes into `Inference-Header-Content-Length`.
 */
export function frameBinaryBody(header: unknown, parts: readonly Uint8Array[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return { body: Buffer.concat([json, ...parts]), headerLength: json.length };
}
