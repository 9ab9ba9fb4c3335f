import { ortTypeFromOip, oipFromOrtType, UnsupportedDatatypeError, type OipDatatype, type OrtTensorType } from '@switchyard/onnx';
import { byteStringProblem } from './byte-strings';
import { fromFloat16Bits, toFloat16Bits, FLOAT16_MAX } from './float16';
import { describeJsonValue } from './json-value';
import { carveTypedArray } from './typed-array-slab';

/** The CPU data of an onnxruntime tensor of one of the Open Inference Protocol datatypes. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[];

/**
 * How the elements of one datatype travel between JSON and tensor data. Rows, not single elements,
 * are the unit of work, so the per-element loop runs inside one monomorphic function per datatype
 * and the hot case (a float row) touches nothing but the row and the target array.
 */
export interface ElementCodec {
  readonly datatype: OipDatatype;
  readonly ortType: OrtTensorType;
  /** 'float' and 'integer' datatypes take JSON numbers, so one can stand in for another (see oip-codec). */
  readonly kind: 'float' | 'integer' | 'bool' | 'bytes';
  /** A zero-filled array of `count` elements; typed arrays are carved from a shared buffer (typed-array-slab). */
  allocate(count: number): TensorData;
  /**
   * Writes `row[i]` to `target[offset + i]` for i from `start` to the end of the row. Returns the
   * index of the first element it refuses (leaving the rest unwritten), or -1 when all were written.
   */
  writeRow(target: TensorData, offset: number, row: readonly unknown[], start: number): number;
  /** Why `writeRow` refused `value`; only called on the error path. */
  refusal(value: unknown): string;
  /**
   * `length` elements from `offset` as JSON values (see the encoding rules on `floatToJson`, `int64ToJson`).
   * Rows are built by push, not `new Array(length)`: a preallocated array is holey, and JSON.stringify
   * serialises holey arrays on its slow path (about 3,700 more instructions for an answer of 10 floats).
   */
  readRow(source: TensorData, offset: number, length: number): unknown[];
}

/**
 * JSON has no NaN or infinities. They are sent as the strings "NaN", "Infinity" and "-Infinity" —
 * the convention of the protobuf JSON mapping, also what JavaScript's Number() and Python's float()
 * read back — rather than as null, which would not say which of the three it was. Requests are
 * stricter: a float input takes only JSON numbers, so a string "NaN" is refused.
 */
export function floatToJson(value: number): number | string {
  // x - x is 0 for every finite x and NaN for NaN and ±Infinity.
  if (value - value === 0) return value;
  return value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/**
 * 64-bit integers are sent as JSON numbers while they are safe integers (|x| ≤ 2^53 − 1), which every
 * JSON parser reads exactly, and as decimal strings beyond that: exactness over convenience, since a
 * JavaScript or Python-json client would silently round 9007199254740993 to 9007199254740992.
 */
export function int64ToJson(value: bigint): number | string {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
}

/**
 * An INT64 or UINT64 element sent as a JSON number beyond ±(2^53 − 1): the JSON parser rounded it
 * before any codec saw it, so only the body's text still holds what the caller sent.
 */
export function isRoundedInteger(codec: ElementCodec, value: number): boolean {
  return (codec.datatype === 'INT64' || codec.datatype === 'UINT64') && Number.isInteger(value) && !Number.isSafeInteger(value);
}

function floatRefusal(datatype: OipDatatype, max: number): (value: unknown) => string {
  return (value) => {
    if (typeof value !== 'number') return `expected a number, got ${describeJsonValue(value)}`;
    if (!Number.isFinite(value)) return `expected a finite number, got ${value}`;
    return `${value} is outside the ${datatype} range (±${max})`;
  };
}

const FP32_MAX = 3.4028234663852886e38;

const FP32: ElementCodec = {
  datatype: 'FP32',
  ortType: ortTypeFromOip('FP32'),
  kind: 'float',
  allocate: (count) => carveTypedArray(Float32Array, count),
  writeRow(target: Float32Array, offset: number, row: readonly unknown[], start: number): number {
    for (let i = start; i < row.length; i++) {
      const value = row[i];
      if (typeof value !== 'number') return i;
      const single = Math.fround(value);
      // Finite doubles beyond the float32 range round to ±Infinity, which the caller did not send.
      if (single - single !== 0) return i;
      target[offset + i] = single;
    }
    return -1;
  },
  refusal: floatRefusal('FP32', FP32_MAX),
  readRow(source: Float32Array, offset: number, length: number): unknown[] {
    const row: unknown[] = [];
    for (let i = 0; i < length; i++) row.push(floatToJson(source[offset + i]));
    return row;
  },
};

const FP64: ElementCodec = {
  datatype: 'FP64',
  ortType: ortTypeFromOip('FP64'),
  kind: 'float',
  allocate: (count) => carveTypedArray(Float64Array, count),
  writeRow(target: Float64Array, offset: number, row: readonly unknown[], start: number): number {
    for (let i = start; i < row.length; i++) {
      const value = row[i];
      if (typeof value !== 'number' || value - value !== 0) return i;
      target[offset + i] = value;
    }
    return -1;
  },
  refusal: floatRefusal('FP64', Number.MAX_VALUE),
  readRow(source: Float64Array, offset: number, length: number): unknown[] {
    const row: unknown[] = [];
    for (let i = 0; i < length; i++) row.push(floatToJson(source[offset + i]));
    return row;
  },
};

const FP16: ElementCodec = {
  datatype: 'FP16',
  ortType: ortTypeFromOip('FP16'),
  kind: 'float',
  allocate: (count) => carveTypedArray(Uint16Array, count),
  writeRow(target: Uint16Array, offset: number, row: readonly unknown[], start: number): number {
    for (let i = start; i < row.length; i++) {
      const value = row[i];
      if (typeof value !== 'number') return i;
      const bits = toFloat16Bits(value);
      if (bits < 0) return i;
      target[offset + i] = bits;
    }
    return -1;
  },
  refusal: floatRefusal('FP16', FLOAT16_MAX),
  readRow(source: Uint16Array, offset: number, length: number): unknown[] {
    const row: unknown[] = [];
    // Where a runtime has Float16Array, onnxruntime hands float16 outputs over as one: values, not bits.
    const bits = source instanceof Uint16Array;
    for (let i = 0; i < length; i++) {
      row.push(floatToJson(bits ? fromFloat16Bits(source[offset + i]) : Number(source[offset + i])));
    }
    return row;
  },
};

type SmallIntegerArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

function smallIntegerCodec(
  datatype: OipDatatype,
  min: number,
  max: number,
  allocate: (count: number) => SmallIntegerArray,
): ElementCodec {
  return {
    datatype,
    ortType: ortTypeFromOip(datatype),
    kind: 'integer',
    allocate,
    writeRow(target: SmallIntegerArray, offset: number, row: readonly unknown[], start: number): number {
      for (let i = start; i < row.length; i++) {
        const value = row[i];
        if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) return i;
        target[offset + i] = value;
      }
      return -1;
    },
    refusal(value) {
      if (typeof value !== 'number') return `expected an integer, got ${describeJsonValue(value)}`;
      if (!Number.isInteger(value)) return `${value} is not an integer`;
      return `${value} is outside the ${datatype} range [${min}, ${max}]`;
    },
    readRow(source: SmallIntegerArray, offset: number, length: number): unknown[] {
      const row: unknown[] = [];
      for (let i = 0; i < length; i++) row.push(source[offset + i]);
      return row;
    },
  };
}

/** Plain decimal integers only: no sign but '-', no exponent, no hex, no whitespace. */
const DECIMAL_INTEGER = /^-?[0-9]+$/;
/** Longer strings would make BigInt() parse an arbitrarily long number just to find it out of range. */
const MAX_DECIMAL_LENGTH = 40;

function parseDecimal(text: string, min: bigint, max: bigint): bigint | undefined {
  if (text.length > MAX_DECIMAL_LENGTH || !DECIMAL_INTEGER.test(text)) return undefined;
  const value = BigInt(text);
  return value < min || value > max ? undefined : value;
}

/**
 * A JSON number beyond ±(2^53 − 1) reached us already rounded (9007199254740993 parses as
 * 9007199254740992), so it is refused rather than stored as a value the caller did not send; the
 * routes then read the body's text again with such integers exact (decodeWithExactIntegers), which
 * hands them over as decimal strings. Callers may send decimal strings themselves, for any value.
 */
function int64Codec(datatype: 'INT64' | 'UINT64', min: bigint, max: bigint): ElementCodec {
  const minNumber = Math.max(Number(min), Number.MIN_SAFE_INTEGER);
  return {
    datatype,
    ortType: ortTypeFromOip(datatype),
    kind: 'integer',
    allocate: (count) => (datatype === 'INT64' ? carveTypedArray(BigInt64Array, count) : carveTypedArray(BigUint64Array, count)),
    writeRow(target: BigInt64Array | BigUint64Array, offset: number, row: readonly unknown[], start: number): number {
      for (let i = start; i < row.length; i++) {
        const value = row[i];
        if (typeof value === 'number') {
          if (!Number.isSafeInteger(value) || value < minNumber) return i;
          target[offset + i] = BigInt(value);
        } else if (typeof value === 'string') {
          const parsed = parseDecimal(value, min, max);
          if (parsed === undefined) return i;
          target[offset + i] = parsed;
        } else {
          return i;
        }
      }
      return -1;
    },
    refusal(value) {
      const range = `the ${datatype} range [${min}, ${max}]`;
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) return `${value} is not an integer`;
        if (Number.isSafeInteger(value)) return `${value} is outside ${range}`;
        return (
          `a JSON number beyond ±${Number.MAX_SAFE_INTEGER} (2^53 − 1) that is outside ${range} or could not be read exactly; ` +
          `send ${datatype} values this large as decimal strings, e.g. "${max}"`
        );
      }
      if (typeof value === 'string' && DECIMAL_INTEGER.test(value)) {
        return `${describeJsonValue(value)} is outside ${range}`;
      }
      return `expected an integer or a decimal string, got ${describeJsonValue(value)}`;
    },
    readRow(source: BigInt64Array | BigUint64Array, offset: number, length: number): unknown[] {
      const row: unknown[] = [];
      for (let i = 0; i < length; i++) row.push(int64ToJson(source[offset + i]));
      return row;
    },
  };
}

/** Only true and false: a 0 or 1 more often means a caller confused which input is which. */
const BOOL: ElementCodec = {
  datatype: 'BOOL',
  ortType: ortTypeFromOip('BOOL'),
  kind: 'bool',
  allocate: (count) => carveTypedArray(Uint8Array, count),
  writeRow(target: Uint8Array, offset: number, row: readonly unknown[], start: number): number {
    for (let i = start; i < row.length; i++) {
      const value = row[i];
      if (value === true) target[offset + i] = 1;
      else if (value === false) target[offset + i] = 0;
      else return i;
    }
    return -1;
  },
  refusal: (value) => `expected true or false, got ${describeJsonValue(value)}`,
  readRow(source: Uint8Array, offset: number, length: number): unknown[] {
    const row: unknown[] = [];
    for (let i = 0; i < length; i++) row.push(source[offset + i] !== 0);
    return row;
  },
};

/**
 * BYTES elements are JSON strings, handed to onnxruntime's string tensors as they are; one the tensor
 * could not hold unchanged (a NUL, a lone surrogate: see byte-strings.ts) is refused.
 */
const BYTES: ElementCodec = {
  datatype: 'BYTES',
  ortType: ortTypeFromOip('BYTES'),
  kind: 'bytes',
  allocate: (count) => new Array<string>(count).fill(''),
  writeRow(target: string[], offset: number, row: readonly unknown[], start: number): number {
    for (let i = start; i < row.length; i++) {
      const value = row[i];
      if (typeof value !== 'string' || byteStringProblem(value) !== undefined) return i;
      target[offset + i] = value;
    }
    return -1;
  },
  refusal: (value) => (typeof value === 'string' ? `the string ${byteStringProblem(value)}` : `expected a string, got ${describeJsonValue(value)}`),
  readRow(source: string[], offset: number, length: number): unknown[] {
    return source.slice(offset, offset + length);
  },
};

const CODECS = new Map<string, ElementCodec>(
  [
    FP32,
    FP64,
    FP16,
    smallIntegerCodec('INT8', -128, 127, (count) => carveTypedArray(Int8Array, count)),
    smallIntegerCodec('INT16', -32768, 32767, (count) => carveTypedArray(Int16Array, count)),
    smallIntegerCodec('INT32', -2147483648, 2147483647, (count) => carveTypedArray(Int32Array, count)),
    smallIntegerCodec('UINT8', 0, 255, (count) => carveTypedArray(Uint8Array, count)),
    smallIntegerCodec('UINT16', 0, 65535, (count) => carveTypedArray(Uint16Array, count)),
    smallIntegerCodec('UINT32', 0, 4294967295, (count) => carveTypedArray(Uint32Array, count)),
    int64Codec('INT64', -(2n ** 63n), 2n ** 63n - 1n),
    int64Codec('UINT64', 0n, 2n ** 64n - 1n),
    BOOL,
    BYTES,
  ].map((codec) => [codec.datatype, codec]),
);

/** The codec of an Open Inference Protocol datatype name, or undefined for a name the protocol lacks. */
export function findCodec(datatype: string): ElementCodec | undefined {
  return CODECS.get(datatype);
}

/** The codec for a datatype from a model signature, which can only hold known names. */
export function codecForDatatype(datatype: string): ElementCodec {
  const codec = CODECS.get(datatype);
  if (codec === undefined) {
    throw new UnsupportedDatatypeError(`Open Inference Protocol datatype "${datatype}" has no tensor codec`);
  }
  return codec;
}

/** The codec for an onnxruntime result tensor's type. */
export function codecForOrtType(ortType: string): ElementCodec {
  return codecForDatatype(oipFromOrtType(ortType));
}
