/**
 * An error's message, for reasons people read. Duck-typed rather than `instanceof Error`: errors raised
 * by onnxruntime's native binding can come from another JavaScript realm (a test VM context), where
 * they are not instances of this Error.
 */
export function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' && error.message) {
    return error.message;
  }
  return String(error);
}
