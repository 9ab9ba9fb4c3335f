import type { ModelSignature, TensorSpec } from '@switchyard/onnx';
import { formatShape } from './shape';
import type { ProblemList } from './tensor-decode-error';

/** The names of a model's inputs or outputs, for a message that lists what the model has. */
export function specNames(specs: readonly TensorSpec[]): string {
  return specs.map((spec) => spec.name).join(', ') || '(none)';
}

/**
 * Which of a model's inputs an inference request names, under both wire formats of the Open Inference
 * Protocol (JSON and gRPC): each entry claims an input by name, once; what no entry claims is missing.
 */
export class InputClaims {
  private readonly specs: ReadonlyMap<string, TensorSpec>;
  private readonly claimed = new Set<string>();

  constructor(
    private readonly signature: ModelSignature,
    private readonly problems: ProblemList,
  ) {
    this.specs = new Map(signature.inputs.map((spec) => [spec.name, spec]));
  }

  /** The input the entry at `field` names, or undefined once the problem is added (unknown, or named twice). */
  claim(name: string, field: string): TensorSpec | undefined {
    const spec = this.specs.get(name);
    if (spec === undefined) {
      this.problems.add(`${field}.name`, `"${name}" is not an input of this model; its inputs are ${specNames(this.signature.inputs)}`);
      return undefined;
    }
    if (this.claimed.has(name)) {
      this.problems.add(`${field}.name`, `input "${name}" is given more than once`);
      return undefined;
    }
    this.claimed.add(name);
    return spec;
  }

  /** Adds a problem for each input no entry claimed. */
  reportMissing(): void {
    for (const spec of this.signature.inputs) {
      if (!this.claimed.has(spec.name)) this.problems.add('inputs', `missing input "${spec.name}" (${spec.datatype} ${formatShape(spec.shape)})`);
    }
  }
}
