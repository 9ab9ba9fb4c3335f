import { isDomainError } from '@switchyard/errors';
import { inferenceFailure, messageOf, NonTensorValueError, runtimeMessage, UnsupportedDatatypeError } from '@switchyard/onnx';
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
