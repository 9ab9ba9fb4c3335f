/**
 * BYTES elements reach onnxruntime-node's string tensors as JavaScript strings, and the binding hands
 * each to onnxruntime as a NUL-terminated UTF-8 C string. So an element arrives unchanged only if it is
 * UTF-8 text without a NUL: a NUL ends the string there (`"a\u0000b"` reaches the model as `"a"`), and a
 * lone UTF-16 surrogate, which a JSON string can hold, becomes U+FFFD. Every wire format refuses such an
 * element with the reasons below instead of serving a prediction on data the caller did not send.
 */

/** `ignoreBOM` keeps a leading U+FEFF, which is part of the element, not a mark to strip. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** With the `u` flag a well-formed surrogate pair is one code point, so only a lone surrogate matches. */
const LONE_SURROGATE = /\p{Cs}/u;

export const NOT_UTF8 = "is not UTF-8 text, which is what this server's string tensors hold";

/** Why `text` could not reach a string tensor unchanged, or undefined when it can. */
export function byteStringProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return "holds a NUL character (U+0000), where onnxruntime's string tensors end a string: it would reach the model cut short";
  if (LONE_SURROGATE.test(text)) return 'holds a lone UTF-16 surrogate (one half of a pair), which is not text UTF-8 can carry';
  return undefined;
}

/** A BYTES element's bytes as the string a string tensor takes, or why they cannot be taken unchanged. */
export function readByteString(bytes: Uint8Array): { text: string; problem?: undefined } | { text?: undefined; problem: string } {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { problem: NOT_UTF8 };
  }
  // Decoded UTF-8 holds no lone surrogate; a NUL is valid UTF-8 and has to be looked for.
  return text.includes('\u0000') ? { problem: byteStringProblem(text)! } : { text };
}
