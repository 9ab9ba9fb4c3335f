import type * as ort from 'onnxruntime-node';
import type { ModelSignature, OipDatatype, TensorSpec } from '@switchyard/onnx';
import { codecForDatatype, codecForOrtType, findCodec, type TensorData } from './element-codec';
import { writeFeeds, type DecodeLimits, type FeedPlan } from './feeds';
import { describeJsonValue, isJsonObject } from './json-value';
import { inferNestedShape } from './nested-array';
import { elementCountOf, formatShape, shapeMismatch } from './shape';
import { ProblemList, TensorDecodeError } from './tensor-decode-error';

/** Open Inference Protocol `$parameters`: name → string, number or boolean. */
export type OipParameters = Record<string, string | number | boolean>;

export interface InferRequest {
  id?: string;
  feeds: Record<string, ort.Tensor>;
  /** The outputs to return, in the order asked, without repeats; undefined means all of them. */
  requestedOutputs?: string[];
  /** The request's own parameters; none are defined yet, so the gateway may ignore them. */
  parameters?: OipParameters;
}

export interface InferResponseOutput {
  name: string;
  datatype: OipDatatype;
  shape: number[];
  /** Flat, row-major. */
  data: unknown[];
}

export interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: InferResponseOutput[];
}

/**
 * Turns an Open Inference Protocol inference request into onnxruntime feeds. Each input's `data` may
 * be flat (row-major) or nested exactly as its `shape`; its `datatype` must be the model's, except
 * that any numeric datatype may stand for another numeric one (the values are then checked against
 * the model's datatype, so 1.5 is still refused for an INT32 input). Fields the protocol does not
 * define are ignored, since servers may extend it. Every problem found is reported at once in a
 * TensorDecodeError.
 */
export function decodeInferRequest(body: unknown, signature: ModelSignature, limits: DecodeLimits): InferRequest {
  if (!isJsonObject(body)) {
    throw new TensorDecodeError([{ field: 'body', message: 'expected an inference request object with inputs' }]);
  }
  const problems = new ProblemList();
  let id: string | undefined;
  if (Object.hasOwn(body, 'id')) {
    if (typeof body.id === 'string') id = body.id;
    else problems.add('id', `expected a string, got ${describeJsonValue(body.id)}`);
  }
  const parameters = readParameters(body.parameters, 'parameters', problems);
  const plans = inputPlans(body.inputs, signature, problems);
  const requestedOutputs = readOutputs(body.outputs, signature, problems);
  const feeds = writeFeeds(plans, limits, 'inputs', problems);
  problems.throwIfAny();
  return {
    ...(id !== undefined && { id }),
    feeds,
    ...(requestedOutputs !== undefined && { requestedOutputs }),
    ...(parameters !== undefined && { parameters }),
  };
}

function inputPlans(inputs: unknown, signature: ModelSignature, problems: ProblemList): FeedPlan[] {
  if (!Array.isArray(inputs)) {
    problems.add('inputs', `required: an array of input tensors, got ${describeJsonValue(inputs)}`);
    return [];
  }
  const specs = new Map(signature.inputs.map((spec) => [spec.name, spec]));
  const seen = new Set<string>();
  const plans: FeedPlan[] = [];
  inputs.forEach((entry: unknown, index) => {
    const field = `inputs[${index}]`;
    if (!isJsonObject(entry)) {
      problems.add(field, `expected an object with name, shape, datatype and data, got ${describeJsonValue(entry)}`);
      return;
    }
    const { name } = entry;
    if (typeof name !== 'string') {
      problems.add(`${field}.name`, `expected a string, got ${describeJsonValue(name)}`);
      return;
    }
    const spec = specs.get(name);
    if (spec === undefined) {
      problems.add(`${field}.name`, `"${name}" is not an input of this model; its inputs are ${names(signature.inputs)}`);
      return;
    }
    if (seen.has(name)) {
      problems.add(`${field}.name`, `input "${name}" is given more than once`);
      return;
    }
    seen.add(name);
    const plan = inputPlan(entry, spec, field, problems);
    if (plan !== undefined) plans.push(plan);
  });
  for (const spec of signature.inputs) {
    if (!seen.has(spec.name)) {
      problems.add('inputs', `missing input "${spec.name}" (${spec.datatype} ${formatShape(spec.shape)})`);
    }
  }
  return plans;
}

function inputPlan(
  entry: Record<string, unknown>,
  spec: TensorSpec,
  field: string,
  problems: ProblemList,
): FeedPlan | undefined {
  const codec = codecForDatatype(spec.datatype);
  let valid = true;

  const { datatype } = entry;
  const declared = typeof datatype === 'string' ? findCodec(datatype) : undefined;
  if (declared === undefined) {
    problems.add(
      `${field}.datatype`,
      `expected an Open Inference Protocol datatype (input "${spec.name}" is ${spec.datatype}), got ${describeJsonValue(datatype)}`,
    );
    valid = false;
  } else if (declared !== codec && !(isNumeric(declared.kind) && isNumeric(codec.kind))) {
    problems.add(`${field}.datatype`, `input "${spec.name}" is ${spec.datatype}, not ${declared.datatype}`);
    valid = false;
  }

  const { shape } = entry;
  let dims: number[] | undefined;
  if (!Array.isArray(shape) || !shape.every((size: unknown) => Number.isSafeInteger(size) && (size as number) >= 0)) {
    const got = Array.isArray(shape) ? JSON.stringify(shape).slice(0, 64) : describeJsonValue(shape);
    problems.add(`${field}.shape`, `expected an array of non-negative integers, got ${got}`);
    valid = false;
  } else {
    const mismatch = shapeMismatch(spec, shape as number[]);
    if (mismatch === undefined) dims = [...(shape as number[])];
    else problems.add(`${field}.shape`, `input "${spec.name}": ${mismatch}`);
  }

  readParameters(entry.parameters, `${field}.parameters`, problems);

  const { data } = entry;
  if (!Array.isArray(data)) {
    problems.add(`${field}.data`, `expected an array of elements, flat (row-major) or nested, got ${describeJsonValue(data)}`);
    return undefined;
  }
  if (!valid || dims === undefined) return undefined;

  const count = elementCountOf(dims);
  if (data.length > 0 && Array.isArray(data[0])) {
    const nesting = inferNestedShape(data);
    if (!sameDims(nesting, dims)) {
      problems.add(
        `${field}.data`,
        `is nested as ${formatShape(nesting)}, which is not the shape ${formatShape(dims)}; send data flat (row-major) or nested exactly as the shape`,
      );
      return undefined;
    }
    return { name: spec.name, codec, dims, value: data, layout: dims, field: `${field}.data` };
  }
  if (data.length !== count) {
    problems.add(`${field}.data`, `has ${data.length} elements, but shape ${formatShape(dims)} holds ${count}`);
    return undefined;
  }
  return { name: spec.name, codec, dims, value: data, layout: [count], field: `${field}.data` };
}

function readOutputs(outputs: unknown, signature: ModelSignature, problems: ProblemList): string[] | undefined {
  if (outputs === undefined) return undefined;
  if (!Array.isArray(outputs) || outputs.length === 0) {
    problems.add('outputs', 'expected a non-empty array of {name}; leave outputs out to get every output');
    return undefined;
  }
  const known = new Set(signature.outputs.map((spec) => spec.name));
  const requested: string[] = [];
  outputs.forEach((entry: unknown, index) => {
    const field = `outputs[${index}]`;
    if (!isJsonObject(entry)) {
      problems.add(field, `expected an object with a name, got ${describeJsonValue(entry)}`);
      return;
    }
    readParameters(entry.parameters, `${field}.parameters`, problems);
    const { name } = entry;
    if (typeof name !== 'string') {
      problems.add(`${field}.name`, `expected a string, got ${describeJsonValue(name)}`);
    } else if (!known.has(name)) {
      problems.add(`${field}.name`, `"${name}" is not an output of this model; its outputs are ${names(signature.outputs)}`);
    } else if (!requested.includes(name)) {
      requested.push(name);
    }
  });
  return requested;
}

function readParameters(value: unknown, field: string, problems: ProblemList): OipParameters | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) {
    problems.add(field, `expected an object of name → string, number or boolean, got ${describeJsonValue(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const parameter = value[key];
    if (typeof parameter !== 'string' && typeof parameter !== 'number' && typeof parameter !== 'boolean') {
      problems.add(`${field}.${key}`, `expected a string, number or boolean, got ${describeJsonValue(parameter)}`);
    }
  }
  return value as OipParameters;
}

const isNumeric = (kind: string) => kind === 'float' || kind === 'integer';

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}

function names(specs: readonly TensorSpec[]): string {
  return specs.map((spec) => spec.name).join(', ') || '(none)';
}

/**
 * Results as an Open Inference Protocol inference response: flat row-major data with the same
 * element encoding as /v1 (INT64/UINT64 beyond ±(2^53 − 1) as decimal strings, NaN and infinities
 * as "NaN"/"Infinity"/"-Infinity"). With `requestedOutputs`, only those, in that order.
 */
export function encodeInferResponse(args: {
  modelName: string;
  modelVersion: string;
  id?: string;
  results: Record<string, ort.Tensor>;
  requestedOutputs?: string[];
}): InferResponse {
  const { modelName, modelVersion, id, results, requestedOutputs } = args;
  const outputs = (requestedOutputs ?? Object.keys(results)).map((name) => {
    const tensor = results[name];
    // decodeInferRequest only lets through outputs the model has, so a gap here is a bug upstream.
    if (tensor === undefined) throw new Error(`no result for requested output "${name}"`);
    const codec = codecForOrtType(tensor.type);
    return {
      name,
      datatype: codec.datatype,
      shape: [...tensor.dims],
      data: codec.readRow(tensor.data as TensorData, 0, elementCountOf(tensor.dims)),
    };
  });
  return { model_name: modelName, model_version: modelVersion, ...(id !== undefined && { id }), outputs };
}
