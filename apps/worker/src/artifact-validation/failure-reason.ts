import { isDomainError } from '../../../../libs/errors/src';
import { NonTensorValueError, UnsupportedDatatypeError } from '../../../../libs/onnx/src';
import { messageOf } from './message-of';
import { ValidationLimitError } from './validation-limit-error';
import { ArtifactIntegrityError } from './verified-artifact';

/** Where validation stopped before the model could run: reading the stored bytes, or loading them in the runtime. */
export type ValidationStep = 'read' | 'load';

/** status_reason is shown to people in lists and logs; a runtime's message can run to kilobytes. */
export const MAX_REASON_LENGTH = 500;

/**
 * Turns why a version could not be validated into a short reason its uploader can act on.
 * onnxruntime reports everything as a plain Error whose message may begin with a C++ source location
 * and function signature; the cases people hit most are recognised and rephrased, the rest are
 * passed on with that noise removed.
 */
export function failureReason(step: ValidationStep, error: unknown): string {
  if (error instanceof ValidationLimitError) return capReason(error.message);
  switch (step) {
    case 'read':
      return capReason(readFailure(error));
    case 'load':
      return capReason(loadFailure(error));
  }
}

/** Why running `what` (the uploader's example, say) failed the version: a limit's own message, or what the runtime said. */
export function inferenceFailureReason(what: string, error: unknown): string {
  if (error instanceof ValidationLimitError) return capReason(error.message);
  return capReason(`${what} failed at inference: ${inferenceFailure(error)}`);
}

/** The reason once a store error outlasted every retry of the job. */
export function storeUnreadableReason(attempts: number, error: unknown): string {
  return capReason(`the artifact store could not be read after ${attempts} attempts: ${messageOf(error)}`);
}

export function capReason(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

function readFailure(error: unknown): string {
  if (isDomainError(error) && error.code === 'ARTIFACT_NOT_FOUND') return `artifact missing from the store (${error.detail})`;
  if (error instanceof ArtifactIntegrityError) return error.message;
  return `the artifact could not be read: ${messageOf(error)}`;
}

function loadFailure(error: unknown): string {
  // Raised by our own signature reading, with messages written for people already.
  if (error instanceof NonTensorValueError || error instanceof UnsupportedDatatypeError) return error.message;
  const message = runtimeMessage(error);

  if (/protobuf parsing failed/i.test(message)) return 'not an ONNX model: protobuf parsing failed';

  const opset = /Opset (\d+) is under development[\s\S]*?support for domain (\S+?) is till opset (\d+)/.exec(message);
  if (opset) {
    const [, requested, domain, supported] = opset;
    return `opset ${requested} is not supported by this runtime (it supports ${domain} up to opset ${supported})`;
  }

  const irVersion = /Unsupported model IR version: (\d+), max supported IR version: (\d+)/.exec(message);
  if (irVersion) {
    return `ONNX IR version ${irVersion[1]} is not supported by this runtime (it supports up to IR version ${irVersion[2]})`;
  }

  // An operator from an imported custom domain: "com.example.custom:Frobnicate(-1) is not a registered function/op".
  const customOperator = /([\w.]+):(\w+)\(-?\d+\) is not a registered function\/op/.exec(message);
  if (customOperator) {
    return `uses operator ${customOperator[1]}:${customOperator[2]}, which this runtime does not provide`;
  }

  // An unknown operator of the default domain: "No Op registered for Frobnicate with domain_version of 17".
  const defaultOperator = /No Op registered for (\w+) with domain_version of (\d+)/.exec(message);
  if (defaultOperator) {
    return `uses operator ${defaultOperator[1]} (ai.onnx opset ${defaultOperator[2]}), which this runtime does not provide`;
  }

  // Loaded from bytes, a model has no folder for sidecar files, so onnxruntime refuses external data.
  if (/External data|model_path must not be empty/i.test(message)) {
    return 'the model keeps weights in external data files; upload a self-contained .onnx file (weights embedded)';
  }

  return `the runtime could not load the model: ${message}`;
}

/** "Non-zero status code returned while running Reshape node. Name:'r' Status Message: …" → "the Reshape node "r" failed: …". */
export function inferenceFailure(error: unknown): string {
  const message = runtimeMessage(error);
  const node = /^Non-zero status code returned while running (\w+) node\. Name:'([^']*)' Status Message:\s*/.exec(message);
  if (!node) return message;
  const name = node[2] ? ` "${node[2]}"` : '';
  return `the ${node[1]} node${name} failed: ${message.slice(node[0].length)}`;
}

/** The runtime's message without C++ source locations, signatures, assertion text or wrappers. */
function runtimeMessage(error: unknown): string {
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
