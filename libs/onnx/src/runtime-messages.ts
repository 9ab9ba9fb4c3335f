/**
 * onnxruntime reports every failure as a plain Error whose message may begin with a C++ source
 * location and function signature. These turn it into the sentence meant for people, for the
 * validation job's reasons and for the gateway's answer to a request the model could not run.
 */

/**
 * An error's message. Duck-typed rather than `instanceof Error`: errors raised by onnxruntime's native
 * binding can come from another JavaScript realm (a test VM context), where they are not instances of
 * this Error.
 */
export function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' && error.message) {
    return error.message;
  }
  return String(error);
}

const NODE_FAILURE = /^Non-zero status code returned while running (\w+) node\. Name:'([^']*)' Status Message:\s*/;

/**
 * "Non-zero status code returned while running Reshape node. Name:'r' Status Message: …" → "the
 * Reshape node "r" failed: …"; null when the error is not a node that failed while running.
 */
export function nodeFailure(error: unknown): string | null {
  const message = runtimeMessage(error);
  const node = NODE_FAILURE.exec(message);
  if (!node) return null;
  const name = node[2] ? ` "${node[2]}"` : '';
  return `the ${node[1]} node${name} failed: ${message.slice(node[0].length)}`;
}

/** What a failed run says: the node that failed and why when onnxruntime names one, its cleaned message otherwise. */
export function inferenceFailure(error: unknown): string {
  return nodeFailure(error) ?? runtimeMessage(error);
}

/** The runtime's message without C++ source locations, signatures, assertion text or wrappers. */
export function runtimeMessage(error: unknown): string {
  let message = messageOf(error).replace(/^(?:Fatal error|Exception during initialization):\s*/, '');
  for (let location = SOURCE_LOCATION.exec(message); location; location = SOURCE_LOCATION.exec(message)) {
    message = message.slice(0, location.index) + withoutSignature(message.slice(location.index + location[0].length));
  }
  return message.replace(/\s+/g, ' ').trim();
}

/** `/onnxruntime_src/onnxruntime/core/graph/model_load_utils.h:46 ` and the like. */
const SOURCE_LOCATION = /\S+\.(?:h|hpp|cc|cpp):\d+\s+/;

/**
 * Drops "void onnxruntime::X::Y(const T&, int) " (balanced parentheses) and the assertion that
 * follows ("x == y was false. "), keeping the sentence meant for people. Text that does not start
 * with a qualified C++ name is kept whole.
 */
function withoutSignature(text: string): string {
  const open = text.indexOf('(');
  if (open < 0 || !/^[\w:<>,*& ~]+::\w+$/.test(text.slice(0, open))) return text;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) {
      return text.slice(i + 1).replace(/^\s*[^.]*? was false\.\s*/, '').trimStart();
    }
  }
  return text;
}
