import * as ort from 'onnxruntime-node';
import { oipFromOrtType } from './datatypes';

export interface TensorSpec {
  name: string;
  /** An Open Inference Protocol datatype name, e.g. FP32. */
  datatype: string;
  /** Fixed sizes, DYNAMIC_DIMENSION where the model leaves a size open; [] for a scalar. */
  shape: number[];
  /**
   * For a classifier's probability tensor derived from a ZipMap (see servable-graph): the class each
   * column is the probability of, in column order.
   */
  class_labels?: Array<number | string>;
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** Open Inference Protocol's marker for a dimension of any size. */
export const DYNAMIC_DIMENSION = -1;

/** Sequences, maps and optionals cannot travel over the Open Inference Protocol, so such models are refused. */
export class NonTensorValueError extends Error {
  constructor(
    readonly role: 'input' | 'output',
    readonly valueName: string,
  ) {
    super(`${role} "${valueName}" is not a tensor; only tensor inputs and outputs are supported`);
    this.name = 'NonTensorValueError';
  }
}

/**
 * Reads the signature the runtime actually sees. onnxruntime reports a symbolic dimension by its name
 * ('batch') and an unnamed unknown one as '', both of which become DYNAMIC_DIMENSION. It also reports a
 * tensor declared without any shape as [], so such a tensor is indistinguishable from a scalar here.
 */
export function signatureOfSession(session: ort.InferenceSession): ModelSignature {
  return signatureOfMetadata(session.inputMetadata, session.outputMetadata);
}

/** The same, from a session's input and output metadata (as a validation child process reports them). */
export function signatureOfMetadata(
  inputs: readonly ort.InferenceSession.ValueMetadata[],
  outputs: readonly ort.InferenceSession.ValueMetadata[],
): ModelSignature {
  return {
    inputs: inputs.map((metadata) => tensorSpec('input', metadata)),
    outputs: outputs.map((metadata) => tensorSpec('output', metadata)),
  };
}

/**
 * Lists why a challenger could not take the champion's traffic: each request must be acceptable to
 * both, so input names and datatypes must match. Outputs are not compared because they go back to
 * the caller as they are. Shapes are not compared because exporters fix and name dimensions
 * inconsistently (a batch axis may be 'batch', 'N' or 1), so comparing them would reject versions
 * that serve the same requests. An empty list means compatible.
 */
export function signatureCompatibility(champion: ModelSignature, challenger: ModelSignature): string[] {
  const challengerInputs = new Map(challenger.inputs.map((input) => [input.name, input]));
  const championInputNames = new Set(champion.inputs.map((input) => input.name));
  const differences: string[] = [];
  for (const championInput of champion.inputs) {
    const challengerInput = challengerInputs.get(championInput.name);
    if (challengerInput === undefined) {
      differences.push(`input "${championInput.name}": missing from challenger`);
    } else if (challengerInput.datatype !== championInput.datatype) {
      differences.push(
        `input "${championInput.name}": datatype ${championInput.datatype} → ${challengerInput.datatype}`,
      );
    }
  }
  for (const challengerInput of challenger.inputs) {
    if (!championInputNames.has(challengerInput.name)) {
      differences.push(`input "${challengerInput.name}": not an input of champion`);
    }
  }
  return differences;
}

function tensorSpec(role: 'input' | 'output', metadata: ort.InferenceSession.ValueMetadata): TensorSpec {
  if (!metadata.isTensor) throw new NonTensorValueError(role, metadata.name);
  return {
    name: metadata.name,
    datatype: oipFromOrtType(metadata.type),
    shape: metadata.shape.map((dimension) => (typeof dimension === 'number' ? dimension : DYNAMIC_DIMENSION)),
  };
}
