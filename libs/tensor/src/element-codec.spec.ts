import { UnsupportedDatatypeError } from '@switchyard/onnx';
import { codecForDatatype, codecForOrtType, findCodec, floatToJson, int64ToJson, type TensorData } from './element-codec';

/** Writes one row and returns the data, or the refusal message of the first refused element. */
function write(datatype: string, row: unknown[]): TensorData | string {
  const codec = codecForDatatype(datatype);
  const target = codec.allocate(row.length);
  const refused = codec.writeRow(target, 0, row, 0);
  return refused < 0 ? target : codec.refusal(row[refused]);
}

describe('element codecs: writing', () => {
  it('writes FP32 rounded to single precision and refuses what overflows it', () => {
    expect(write('FP32', [0.1, -2.5])).toEqual(Float32Array.of(0.1, -2.5));
    expect((write('FP32', [0.1]) as Float32Array)[0]).toBe(Math.fround(0.1));
    expect(write('FP32', [1e39])).toBe('1e+39 is outside the FP32 range (±3.4028234663852886e+38)');
    expect(write('FP32', [3.4028234663852886e38])).toEqual(Float32Array.of(3.4028234663852886e38));
  });

  it('refuses strings, booleans, null and nested arrays for float types, including "NaN" and "Infinity"', () => {
    expect(write('FP32', ['NaN'])).toBe('expected a number, got string "NaN"');
    expect(write('FP64', ['Infinity'])).toBe('expected a number, got string "Infinity"');
    expect(write('FP32', ['1.5'])).toBe('expected a number, got string "1.5"');
    expect(write('FP32', [true])).toBe('expected a number, got true');
    expect(write('FP32', [null])).toBe('expected a number, got null');
    expect(write('FP32', [[1]])).toBe('expected a number, got an array');
    expect(write('FP64', [NaN])).toBe('expected a finite number, got NaN');
    expect(write('FP16', [-Infinity])).toBe('expected a finite number, got -Infinity');
  });

  it('writes FP16 as IEEE half-precision bits and refuses values beyond its range', () => {
    expect(write('FP16', [1, -2, 65504])).toEqual(Uint16Array.of(0x3c00, 0xc000, 0x7bff));
    expect(write('FP16', [70000])).toBe('70000 is outside the FP16 range (±65504)');
  });

  it.each([
    ['INT8', -128, 127],
    ['INT16', -32768, 32767],
    ['INT32', -2147483648, 2147483647],
    ['UINT8', 0, 255],
    ['UINT16', 0, 65535],
    ['UINT32', 0, 4294967295],
  ])('writes %s within [%d, %d] and refuses one step beyond either end', (datatype, min, max) => {
    expect(Array.from(write(datatype, [min, max]) as ArrayLike<number>)).toEqual([min, max]);
    expect(write(datatype, [min - 1])).toBe(`${min - 1} is outside the ${datatype} range [${min}, ${max}]`);
    expect(write(datatype, [max + 1])).toBe(`${max + 1} is outside the ${datatype} range [${min}, ${max}]`);
  });

  it('refuses fractions and strings for integer types', () => {
    expect(write('INT32', [1.5])).toBe('1.5 is not an integer');
    expect(write('UINT8', ['7'])).toBe('expected an integer, got string "7"');
    expect(write('INT64', [2.5])).toBe('2.5 is not an integer');
  });

  it('writes INT64 from safe integers and from decimal strings, exactly', () => {
    expect(write('INT64', [9007199254740991, -9007199254740991, '9007199254740993', '-9223372036854775808', '9223372036854775807'])).toEqual(
      BigInt64Array.of(9007199254740991n, -9007199254740991n, 9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n),
    );
    expect(write('INT64', ['007'])).toEqual(BigInt64Array.of(7n));
  });

  it('refuses INT64 JSON numbers beyond ±(2^53 − 1), telling the caller to send a string', () => {
    // JSON.parse has already rounded 2^53 + 1 to 2^53 by the time the codec sees it.
    const [parsed] = JSON.parse('[9007199254740993]') as number[];
    expect(parsed).toBe(2 ** 53);
    expect(write('INT64', [parsed])).toBe(
      'a JSON number beyond ±9007199254740991 (2^53 − 1) that is outside the INT64 range [-9223372036854775808, 9223372036854775807] or could not be read exactly; ' +
        'send INT64 values this large as decimal strings, e.g. "9223372036854775807"',
    );
    expect(write('UINT64', [1e19])).toMatch(/send UINT64 values this large as decimal strings/);
  });

  it('refuses INT64 strings that are not plain decimals or are out of range', () => {
    expect(write('INT64', ['9223372036854775808'])).toBe(
      'string "9223372036854775808" is outside the INT64 range [-9223372036854775808, 9223372036854775807]',
    );
    for (const text of ['1e3', ' 5', '0x10', '+5', '5.0', '', 'NaN', '-']) {
      expect(write('INT64', [text])).toBe(`expected an integer or a decimal string, got string ${JSON.stringify(text)}`);
    }
    expect(write('INT64', [true])).toBe('expected an integer or a decimal string, got true');
  });

  it('writes UINT64 over its whole range and refuses negatives', () => {
    expect(write('UINT64', [0, '18446744073709551615', 42])).toEqual(BigUint64Array.of(0n, 2n ** 64n - 1n, 42n));
    expect(write('UINT64', [-1])).toBe('-1 is outside the UINT64 range [0, 18446744073709551615]');
    expect(write('UINT64', ['-1'])).toBe('string "-1" is outside the UINT64 range [0, 18446744073709551615]');
  });

  it('writes BOOL from true and false only; 0, 1 and "true" are refused', () => {
    expect(write('BOOL', [true, false])).toEqual(Uint8Array.of(1, 0));
    expect(write('BOOL', [1])).toBe('expected true or false, got number 1');
    expect(write('BOOL', [0])).toBe('expected true or false, got number 0');
    expect(write('BOOL', ['true'])).toBe('expected true or false, got string "true"');
  });

  it('writes BYTES from strings only', () => {
    expect(write('BYTES', ['héllo', ''])).toEqual(['héllo', '']);
    expect(write('BYTES', [5])).toBe('expected a string, got number 5');
  });

  it('refuses BYTES strings a string tensor would alter: a NUL, a lone surrogate', () => {
    expect(write('BYTES', ['\uFEFFbom', '😀'])).toEqual(['\uFEFFbom', '😀']);
    expect(write('BYTES', ['ok', 'a\u0000b'])).toMatch(/^the string holds a NUL character \(U\+0000\)/);
    expect(write('BYTES', ['\uD83Dx'])).toMatch(/^the string holds a lone UTF-16 surrogate/);
  });

  it('shortens long strings in messages', () => {
    expect(write('FP32', ['x'.repeat(100)])).toBe(`expected a number, got string "${'x'.repeat(32)}…"`);
  });

  it('resumes after a refused element so every refusal in a row can be reported', () => {
    const codec = codecForDatatype('FP32');
    const target = codec.allocate(4);
    const row = [1, 'a', 3, 'b'];
    expect(codec.writeRow(target, 0, row, 0)).toBe(1);
    expect(codec.writeRow(target, 0, row, 2)).toBe(3);
    expect(target[2]).toBe(3);
  });
});

describe('element codecs: reading', () => {
  it('reads floats, sending NaN and infinities as strings', () => {
    expect(codecForDatatype('FP32').readRow(Float32Array.of(1.5, NaN, Infinity, -Infinity), 0, 4)).toEqual([1.5, 'NaN', 'Infinity', '-Infinity']);
    expect(codecForDatatype('FP64').readRow(Float64Array.of(0.1, NaN), 0, 2)).toEqual([0.1, 'NaN']);
    expect(codecForDatatype('FP16').readRow(Uint16Array.of(0x3c00, 0x7c00, 0x7e00), 0, 3)).toEqual([1, 'Infinity', 'NaN']);
  });

  it('reads 64-bit integers as numbers while safe and as decimal strings beyond', () => {
    const data = BigInt64Array.of(-9007199254740991n, 9007199254740992n, -(2n ** 63n));
    expect(codecForDatatype('INT64').readRow(data, 0, 3)).toEqual([-9007199254740991, '9007199254740992', '-9223372036854775808']);
    expect(codecForDatatype('UINT64').readRow(BigUint64Array.of(2n ** 64n - 1n, 3n), 0, 2)).toEqual(['18446744073709551615', 3]);
  });

  it('reads a slice from an offset', () => {
    expect(codecForDatatype('INT32').readRow(Int32Array.of(1, 2, 3, 4), 1, 2)).toEqual([2, 3]);
    expect(codecForDatatype('BOOL').readRow(Uint8Array.of(0, 1, 0), 1, 2)).toEqual([true, false]);
    expect(codecForDatatype('BYTES').readRow(['a', 'b', 'c'], 2, 1)).toEqual(['c']);
  });

  it('floatToJson and int64ToJson apply the same rules to single values', () => {
    expect([floatToJson(-0.5), floatToJson(NaN), floatToJson(-Infinity)]).toEqual([-0.5, 'NaN', '-Infinity']);
    expect([int64ToJson(9007199254740991n), int64ToJson(-9007199254740992n)]).toEqual([9007199254740991, '-9007199254740992']);
  });
});

describe('codec lookup', () => {
  it('finds codecs by Open Inference Protocol name and by onnxruntime type, from the shared datatype table', () => {
    expect(codecForDatatype('INT64')).toMatchObject({ datatype: 'INT64', ortType: 'int64', kind: 'integer' });
    expect(codecForOrtType('string')).toMatchObject({ datatype: 'BYTES', kind: 'bytes' });
    expect(codecForOrtType('float16')).toMatchObject({ datatype: 'FP16', kind: 'float' });
    expect(findCodec('FLOAT32')).toBeUndefined();
    expect(() => codecForDatatype('BF16')).toThrow(UnsupportedDatatypeError);
    expect(() => codecForOrtType('int4')).toThrow(UnsupportedDatatypeError);
  });
});
