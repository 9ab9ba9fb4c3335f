import { describeJsonValue } from './json-value';

/**
 * MLServer's codecs mark a request or an input with the parameter `content_type`, which says how
 * MLServer's Python runtimes should decode it: "np" (a numpy array), "pd" (the inputs as the columns of
 * a DataFrame), "str" (BYTES as UTF-8 text). For an ONNX model each of these is the tensor as sent, so
 * a request built with MLServer's codecs is served as it is. Any other ("base64", "datetime", …) asks
 * for a decoding the gateway does not do, and is refused like an unknown parameter.
 */
export const CONTENT_TYPE_PARAMETER = 'content_type';

const AS_SENT = new Set(['np', 'pd', 'str']);

/** Why a `content_type` value is refused, or undefined when it means the tensor as sent. */
export function contentTypeProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && AS_SENT.has(value)) return undefined;
  return `MLServer's content type ${describeJsonValue(value)} asks for a decoding this server does not do; it takes "np", "pd" and "str", which mean the tensor as sent`;
}
