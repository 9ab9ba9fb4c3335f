import type * as ort from 'onnxruntime-node';
import type { ModelSignature, TensorSpec } from '@switchyard/onnx';
import { codecForDatatype, codecForOrtType, type TensorData } from './element-codec';
import { writeFeeds, type DecodeLimits, type FeedPlan } from './feeds';
import { isJsonObject } from './json-value';
import { inferNestedShape, readNested } from './nested-array';
import { formatShape, shapeMismatch } from './shape';
import { ProblemList } from './tensor-decode-error';

interface NamedValue {
  spec: TensorSpec;
  value: unknown;
  field: string;
}

/**
 * Turns a /v1 predict body into onnxruntime feeds. The body is `{"inputs": {name: value}}` (or, for a
 * model with one input, `{"inputs": value}`, as TensorFlow Serving's columnar format has it), or
 * `{"instances": [...]}`: the rows of a model's only input, or one object of input name → value per
 * instance (see instanceObjects); each value is nested arrays (a bare value for a scalar input) whose
 * nesting gives the shape. Every problem found is reported at once in a TensorDecodeError.
 */
export function decodePredictRequest(
  body: unknown,
  signature: ModelSignature,
  limits: DecodeLimits,
): Record<string, ort.Tensor> {
  const problems = new ProblemList();
  const named = namedValues(body, signature, problems);
  const plans: FeedPlan[] = [];
  for (const { spec, value, field } of named) {
    const dims = inferNestedShape(value);
    const mismatch = shapeMismatch(spec, dims);
    if (mismatch !== undefined) {
      problems.add(field, mismatch);
      continue;
    }
    plans.push({ name: spec.name, codec: codecForDatatype(spec.datatype), dims, value, layout: dims, field });
  }
  const limitField = named.length > 0 && named[0].field.startsWith('instances') ? 'instances' : 'inputs';
  const feeds = writeFeeds(plans, limits, limitField, problems);
  problems.throwIfAny();
  return feeds;
}

function namedValues(body: unknown, signature: ModelSignature, problems: ProblemList): NamedValue[] {
  if (!isJsonObject(body)) {
    problems.add('body', 'expected a JSON object with inputs (or instances, for a model with one input)');
    return [];
  }
  for (const key of Object.keys(body)) {
    if (key !== 'inputs' && key !== 'instances') {
      problems.add(key, 'unknown field; a predict request has inputs or instances');
    }
  }
  const hasInputs = Object.hasOwn(body, 'inputs');
  if (Object.hasOwn(body, 'instances')) {
    if (hasInputs) {
      problems.add('instances', 'send either inputs or instances, not both');
      return [];
    }
    return instancesValue(body.instances, signature, problems);
  }
  if (!hasInputs) {
    problems.add('inputs', 'required: an object of input name → value (or instances, for a model with one input)');
    return [];
  }
  const inputs = body.inputs;
  if (!isJsonObject(inputs)) {
    // TensorFlow Serving's columnar format: for a model with one input, `inputs` may be that input's value.
    if (signature.inputs.length === 1) return [{ spec: signature.inputs[0], value: inputs, field: 'inputs' }];
    problems.add('inputs', `expected an object of input name → value (a bare value is only for a model with one input; this model's inputs are ${namesOf(signature)})`);
    return [];
  }
  const known = new Set(signature.inputs.map((spec) => spec.name));
  for (const name of Object.keys(inputs)) {
    if (!known.has(name)) problems.add(`inputs.${name}`, `not an input of this model; its inputs are ${namesOf(signature)}`);
  }
  const named: NamedValue[] = [];
  for (const spec of signature.inputs) {
    const field = `inputs.${spec.name}`;
    if (Object.hasOwn(inputs, spec.name)) named.push({ spec, value: inputs[spec.name], field });
    else problems.add(field, `missing: the model requires it (${spec.datatype} ${formatShape(spec.shape)})`);
  }
  return named;
}

function instancesValue(instances: unknown, signature: ModelSignature, problems: ProblemList): NamedValue[] {
  if (!Array.isArray(instances)) {
    problems.add('instances', 'expected an array with one entry per instance');
    return [];
  }
  if (instances.length > 0 && isJsonObject(instances[0])) return instanceObjects(instances, signature, problems);
  if (signature.inputs.length !== 1) {
    problems.add(
      'instances',
      `instances of bare values are only for a model with exactly one input; this model's inputs are ${namesOf(signature)}: ` +
        'send each instance as an object of input name → value, or send inputs',
    );
    return [];
  }
  return [{ spec: signature.inputs[0], value: instances, field: 'instances' }];
}

/**
 * TensorFlow Serving's row format, which KServe's v1 protocol and MLflow's scoring server take too:
 * each instance an object of input name → that instance's value, every input in every instance, the
 * values of an input stacked along a new first (batch) axis. A bare value for an input of shape
 * [-1, 1] is that row's one element (a table's cell, as exporters give each column of a pipeline its
 * own [N, 1] input), so `{"age": 35}` and `{"age": [35]}` are the same row.
 */
function instanceObjects(instances: unknown[], signature: ModelSignature, problems: ProblemList): NamedValue[] {
  const columns = signature.inputs.map(() => new Array<unknown>(instances.length));
  const known = new Set(signature.inputs.map((spec) => spec.name));
  let refused = false;
  const refuse = (field: string, message: string) => {
    problems.add(field, message);
    refused = true;
  };
  for (let index = 0; index < instances.length && !problems.full; index++) {
    const instance = instances[index];
    const field = `instances[${index}]`;
    if (!isJsonObject(instance)) {
      refuse(field, 'expected an object of input name → value, as instances[0] is');
      continue;
    }
    for (const name of Object.keys(instance)) {
      if (!known.has(name)) refuse(`${field}.${name}`, `not an input of this model; its inputs are ${namesOf(signature)}`);
    }
    signature.inputs.forEach((spec, column) => {
      if (!Object.hasOwn(instance, spec.name)) {
        refuse(`${field}.${spec.name}`, `missing: every instance gives every input (${spec.datatype} ${formatShape(spec.shape)})`);
        return;
      }
      const value = instance[spec.name];
      columns[column][index] = !Array.isArray(value) && isColumnInput(spec) ? [value] : value;
    });
  }
  if (refused) return [];
  // Indices after the field are the instance's, then the value's own.
  return signature.inputs.map((spec, column) => ({ spec, value: columns[column], field: `instances[*].${spec.name}` }));
}

/** An input of shape [-1, 1] (or [n, 1]): one value per row, as a table's column. */
function isColumnInput(spec: TensorSpec): boolean {
  return spec.shape.length === 2 && spec.shape[1] === 1;
}

function namesOf(signature: ModelSignature): string {
  return signature.inputs.map((spec) => spec.name).join(', ') || '(none)';
}

/**
 * Results as /v1 `outputs`: nested arrays following each tensor's dims, a bare value for a scalar.
 * Elements follow the codec rules: BOOL as true/false, INT64/UINT64 as numbers while exact and as
 * decimal strings beyond ±(2^53 − 1), float NaN/±Infinity as the strings "NaN"/"Infinity"/"-Infinity".
 */
export function encodeOutputsAsNested(results: Record<string, ort.Tensor>): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const name of Object.keys(results)) {
    const tensor = results[name];
    outputs[name] = readNested(codecForOrtType(tensor.type), tensor.data as TensorData, tensor.dims);
  }
  return outputs;
}
