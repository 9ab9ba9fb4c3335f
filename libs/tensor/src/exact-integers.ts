import { parse } from 'lossless-json';
import type { ModelSignature } from '@switchyard/onnx';
import type { DecodeLimits } from './feeds';
import { TensorDecodeError } from './tensor-decode-error';

const INTEGER_TEXT = /^-?\d+$/;

/**
 * A JSON body parsed again with every integer beyond ±(2^53 − 1) kept as its decimal digits, a string
 * the INT64 and UINT64 codecs read exactly; every other number is what JSON.parse makes of it. For a
 * body the request's own parser already accepted (depth, prototype keys), so only numbers differ.
 */
export function parseKeepingLargeIntegers(json: Uint8Array): unknown {
  const text = Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8');
  return parse(text, null, (digits) => {
    const number = Number(digits);
    return Number.isSafeInteger(number) || !INTEGER_TEXT.test(digits) ? number : digits;
  });
}

/** A body decoder of libs/tensor (decodePredictRequest, decodeInferRequest), or one wrapping it. */
export type BodyDecoder<T> = (body: unknown, signature: ModelSignature, limits: DecodeLimits, binary?: Uint8Array) => T;

/**
 * Decodes a body; when that fails only because the JSON parser rounded INT64 or UINT64 numbers beyond
 * ±(2^53 − 1) (TensorDecodeError.roundedIntegers), decodes the body's text (`json`) again with those
 * integers exact, as Triton reads them. Only that error path pays for the second parse; a second
 * reading that still fails answers with the first one's problems, which name what was sent. The
 * decoder's arguments are passed along rather than closed over: no closure per prediction.
 */
export function decodeWithExactIntegers<T>(
  decode: BodyDecoder<T>,
  body: unknown,
  json: Uint8Array | undefined,
  signature: ModelSignature,
  limits: DecodeLimits,
  binary?: Uint8Array,
): T {
  try {
    return decode(body, signature, limits, binary);
  } catch (error) {
    if (!(error instanceof TensorDecodeError) || !error.roundedIntegers || json === undefined) throw error;
    try {
      return decode(parseKeepingLargeIntegers(json), signature, limits, binary);
    } catch {
      throw error;
    }
  }
}
