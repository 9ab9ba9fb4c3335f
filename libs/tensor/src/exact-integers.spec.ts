import type { ModelSignature } from '@switchyard/onnx';
import { decodeWithExactIntegers, parseKeepingLargeIntegers } from './exact-integers';
import { decodeInferRequest } from './oip-codec';
import { decodePredictRequest } from './predict-codec';
import { TensorDecodeError } from './tensor-decode-error';

const signature: ModelSignature = {
  inputs: [
    { name: 'ids', datatype: 'INT64', shape: [-1] },
    { name: 'x', datatype: 'FP64', shape: [-1] },
  ],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
};
const limits = { maxElements: 1000 };
const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseKeepingLargeIntegers', () => {
  it('keeps integers beyond 2^53 − 1 as their digits and reads every other number as JSON.parse does', () => {
    const text = '{"a": [9007199254740993, -18446744073709551615, 9007199254740991, 1.5e300, 0.1, -0, 12345678901234567890.5], "b": "9"}';
    expect(parseKeepingLargeIntegers(bytes(text))).toEqual({
      a: ['9007199254740993', '-18446744073709551615', 9007199254740991, 1.5e300, 0.1, -0, 12345678901234567890.5],
      b: '9',
    });
  });
});

describe('decodeWithExactIntegers', () => {
  const predict = (text: string) => decodeWithExactIntegers(decodePredictRequest, JSON.parse(text), bytes(text), signature, limits);

  it('reads INT64 numbers beyond 2^53 − 1 exactly, as Triton does, on /v1 and OIP bodies', () => {
    const feeds = predict('{"inputs": {"ids": [9007199254740993, -9223372036854775808, 1], "x": [0.5, 1, 2]}}');
    expect(Array.from(feeds.ids.data as BigInt64Array)).toEqual([9007199254740993n, -9223372036854775808n, 1n]);
    expect(Array.from(feeds.x.data as Float64Array)).toEqual([0.5, 1, 2]);
    const text = '{"inputs": [{"name": "ids", "shape": [1], "datatype": "INT64", "data": [9223372036854775807]}, {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}]}';
    const decoded = decodeWithExactIntegers(decodeInferRequest, JSON.parse(text), bytes(text), signature, limits);
    expect(Array.from(decoded.feeds.ids.data as BigInt64Array)).toEqual([9223372036854775807n]);
  });

  it('parses once when nothing was rounded, and refuses what the exact reading cannot take with the first problems', () => {
    const once = jest.fn(decodePredictRequest);
    decodeWithExactIntegers(once, { inputs: { ids: [1], x: [1] } }, bytes('{}'), signature, limits);
    expect(once).toHaveBeenCalledTimes(1);
    // Beyond INT64 even exactly; and a body whose problems are not rounding is not read twice.
    const tooLarge = '{"inputs": {"ids": [9223372036854775808], "x": [1]}}';
    expect(() => predict(tooLarge)).toThrow(/outside the INT64 range .* or could not be read exactly/);
    const wrongType = '{"inputs": {"ids": ["a"], "x": [1]}}';
    const decode = jest.fn(decodePredictRequest);
    expect(() => decodeWithExactIntegers(decode, JSON.parse(wrongType), bytes(wrongType), signature, limits)).toThrow(TensorDecodeError);
    expect(decode).toHaveBeenCalledTimes(1);
  });

  it('leaves a body without its text, or a float input, as it was', () => {
    const text = '{"inputs": {"ids": [9007199254740993], "x": [1]}}';
    expect(() => decodeWithExactIntegers(decodePredictRequest, JSON.parse(text), undefined, signature, limits)).toThrow(/could not be read exactly/);
    const floats = '{"inputs": {"ids": [1], "x": [9007199254740993]}}';
    expect(Array.from(predict(floats).x.data as Float64Array)).toEqual([9007199254740992]);
  });
});
