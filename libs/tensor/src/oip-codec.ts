import type * as ort from 'onnxruntime-node';
import type { ModelSignature, OipDatatype, TensorSpec } from '@switchyard/onnx';
import { codecForDatatype, codecForOrtType, findCodec, type TensorData } from './element-codec';
import { writeFeeds, type DecodeLimits, type FeedPlan } from './feeds';
import { CONTENT_TYPE_PARAMETER, contentTypeProblem } from './content-type-parameter';
import { describeJsonValue, isJsonObject } from './json-value';
import { inferNestedShape } from './nested-array';
import { elementCountOf, formatShape, shapeMismatch } from './shape';
import { BINARY_DATA, BINARY_DATA_OUTPUT, BINARY_DATA_SIZE, BinarySection, binaryTensorBytes } from './oip-binary';
import { InputClaims, specNames } from './oip-inputs';
import { ProblemList, TensorDecodeError } from './tensor-decode-error';

/** Open Inference Protocol `$parameters`: name → string, number or boolean. */
export type OipParameters = Record<string, string | number | boolean>;

export interface InferRequest {
  id?: string;
  feeds: Record<string, ort.Tensor>;
  /** The outputs to return, in the order asked, without repeats; undefined means all of them. */
  requestedOutputs?: string[];
  /** The request's own parameters (only the binary tensor data extension's are accepted). */
  parameters?: OipParameters;
  /** The returned outputs to send as binary data (binary tensor data extension); empty for an all-JSON answer. */
  binaryOutputs: string[];
}

export interface InferResponseOutput {
  name: string;
  datatype: OipDatatype;
  shape: number[];
  /** Flat, row-major; absent for an output sent as binary data, whose size is in `parameters`. */
  data?: unknown[];
  parameters?: { binary_data_size: number };
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
 * define are ignored, since servers may extend it; parameters are not, since a parameter asks the
 * server to do something, and one it does not know would be silently not done (MLServer's
 * `content_type` is taken where it means the tensor as sent). An optional field
 * (`id`, `parameters`, `outputs`, an input's or output's `parameters`) that is `null` is absent, as
 * MLServer's schema has it and as clients serializing their request objects whole send it. Every
 * problem found is reported at once in a TensorDecodeError.
 *
 * `binary` is the body's binary part under the binary tensor data extension (absent for a plain JSON
 * body): inputs with `parameters.binary_data_size` take their bytes from it, in the order listed.
 * FP16 travels only as binary data, in both directions, as JSON has no half-precision numbers.
 */
export function decodeInferRequest(body: unknown, signature: ModelSignature, limits: DecodeLimits, binary?: Uint8Array): InferRequest {
  if (!isJsonObject(body)) {
    throw new TensorDecodeError([{ field: 'body', message: 'expected an inference request object with inputs' }]);
  }
  const problems = new ProblemList();
  let id: string | undefined;
  if (body.id !== undefined && body.id !== null) {
    if (typeof body.id === 'string') id = body.id;
    else problems.add('id', `expected a string, got ${describeJsonValue(body.id)}`);
  }
  const parameters = readParameters(body.parameters, 'parameters', REQUEST_PARAMETERS, problems);
  const section = binary === undefined ? undefined : new BinarySection(binary);
  const plans = inputPlans(body.inputs, signature, section, problems);
  if (section !== undefined && !problems.full && section.consumed < section.bytes.length) {
    problems.add(
      'Inference-Header-Content-Length',
      `the binary part after the JSON is ${section.bytes.length} bytes, but the inputs' binary_data_size values add up to ${section.consumed}; ` +
        'send exactly the bytes of the inputs that give binary_data_size, in the order they are listed',
    );
  }
  const outputs = readOutputs(body.outputs, signature, parameters?.[BINARY_DATA_OUTPUT] === true, problems);
  const feeds = writeFeeds(plans, limits, 'inputs', problems);
  problems.throwIfAny();
  return {
    ...(id !== undefined && { id }),
    feeds,
    ...(outputs.requested !== undefined && { requestedOutputs: outputs.requested }),
    ...(parameters !== undefined && { parameters }),
    binaryOutputs: outputs.binary,
  };
}

type ParameterKind = 'boolean' | 'size' | 'content-type';
/** The parameters each object may carry: those of the binary tensor data extension, and MLServer's content type. */
const REQUEST_PARAMETERS: ReadonlyMap<string, ParameterKind> = new Map([
  [BINARY_DATA_OUTPUT, 'boolean'],
  [CONTENT_TYPE_PARAMETER, 'content-type'],
]);
const INPUT_PARAMETERS: ReadonlyMap<string, ParameterKind> = new Map([
  [BINARY_DATA_SIZE, 'size'],
  [CONTENT_TYPE_PARAMETER, 'content-type'],
]);
const OUTPUT_PARAMETERS: ReadonlyMap<string, ParameterKind> = new Map([[BINARY_DATA, 'boolean']]);

function inputPlans(inputs: unknown, signature: ModelSignature, section: BinarySection | undefined, problems: ProblemList): FeedPlan[] {
  if (!Array.isArray(inputs)) {
    problems.add('inputs', `required: an array of input tensors, got ${describeJsonValue(inputs)}`);
    return [];
  }
  const claims = new InputClaims(signature, problems);
  const plans: FeedPlan[] = [];
  inputs.forEach((entry: unknown, index) => {
    const field = `inputs[${index}]`;
    if (!isJsonObject(entry)) {
      problems.add(field, `expected an object with name, shape, datatype and data, got ${describeJsonValue(entry)}`);
      return;
    }
    // Taken first, whatever else is wrong with the entry, so the inputs after it read their own bytes.
    const bytes = binaryPart(entry, field, section, problems);
    const { name } = entry;
    if (typeof name !== 'string') {
      problems.add(`${field}.name`, `expected a string, got ${describeJsonValue(name)}`);
      return;
    }
    const spec = claims.claim(name, field);
    if (spec === undefined) return;
    const plan = inputPlan(entry, spec, field, bytes, problems);
    if (plan !== undefined) plans.push(plan);
  });
  claims.reportMissing();
  return plans;
}

/**
 * The input's bytes from the binary part when it gives `binary_data_size`; undefined for JSON data,
 * null when it asked for bytes it cannot have (a problem is then added).
 */
function binaryPart(entry: Record<string, unknown>, field: string, section: BinarySection | undefined, problems: ProblemList): Uint8Array | undefined | null {
  const parameters = isJsonObject(entry.parameters) ? entry.parameters : undefined;
  const size = parameters?.[BINARY_DATA_SIZE];
  if (size === undefined) return undefined;
  if (!Number.isSafeInteger(size) || (size as number) < 0) return null; // readParameters names it
  if (section === undefined) {
    problems.add(
      `${field}.parameters.${BINARY_DATA_SIZE}`,
      'this request has no binary part: send the tensor bytes after the JSON and give the length of the JSON in the Inference-Header-Content-Length header, or send the elements in data',
    );
    return null;
  }
  const offset = section.consumed;
  const bytes = section.take(size as number);
  if (bytes instanceof Uint8Array) return bytes;
  problems.add(
    `${field}.parameters.${BINARY_DATA_SIZE}`,
    `asks for ${size as number} bytes of the binary part from byte ${offset}, but only ${bytes.remaining} remain: the binary part is missing or shorter than the binary_data_size values add up to`,
  );
  return null;
}

function inputPlan(
  entry: Record<string, unknown>,
  spec: TensorSpec,
  field: string,
  bytes: Uint8Array | undefined | null,
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
  } else if (declared !== codec && (bytes !== undefined || !(isNumeric(declared.kind) && isNumeric(codec.kind)))) {
    // Binary data is read as its declared datatype, so only the model's own will do.
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

  readParameters(entry.parameters, `${field}.parameters`, INPUT_PARAMETERS, problems);

  const { data } = entry;
  if (bytes !== undefined) {
    if (data !== undefined) {
      problems.add(`${field}.data`, `input "${spec.name}" gives both data and parameters.${BINARY_DATA_SIZE}: send its elements one way only`);
      return undefined;
    }
    if (bytes === null || !valid || dims === undefined) return undefined;
    return { name: spec.name, codec, dims, value: undefined, layout: dims, field, bytes };
  }
  if (spec.datatype === 'FP16' || declared?.datatype === 'FP16') {
    problems.add(
      `${field}.data`,
      `input "${spec.name}" is FP16, which JSON has no numbers for: send it as binary data (parameters.${BINARY_DATA_SIZE}, its bytes after the JSON, and the Inference-Header-Content-Length header)`,
    );
    return undefined;
  }
  if (!Array.isArray(data)) {
    problems.add(`${field}.data`, `expected an array of elements, flat (row-major) or nested, got ${describeJsonValue(data)}`);
    return undefined;
  }
  if (!valid || dims === undefined) return undefined;

  const count = elementCountOf(dims);
  // at(0): flat data (unboxed doubles) and nested data at one indexed load would make V8 box every
  // flat array's numbers before reading it (see inferNestedShape).
  if (data.length > 0 && Array.isArray(data.at(0))) {
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

/**
 * The outputs asked for (undefined: all of them) and which of the returned ones go as binary data:
 * an output's own `binary_data`, else the request's `binary_data_output`. FP16 outputs must be among them.
 */
function readOutputs(
  outputs: unknown,
  signature: ModelSignature,
  allBinary: boolean,
  problems: ProblemList,
): { requested?: string[]; binary: string[] } {
  const specs = new Map(signature.outputs.map((spec) => [spec.name, spec]));
  const binary: string[] = [];
  const choose = (spec: TensorSpec, asBinary: boolean, field: string) => {
    if (asBinary) binary.push(spec.name);
    else if (spec.datatype === 'FP16') {
      problems.add(
        field,
        `output "${spec.name}" is FP16, which JSON has no numbers for: ask for it as binary data (outputs[].parameters.${BINARY_DATA}: true, or parameters.${BINARY_DATA_OUTPUT}: true)`,
      );
    }
  };
  if (outputs === undefined || outputs === null) {
    for (const spec of signature.outputs) choose(spec, allBinary, 'outputs');
    return { binary };
  }
  if (!Array.isArray(outputs) || outputs.length === 0) {
    problems.add('outputs', 'expected a non-empty array of {name}; leave outputs out to get every output');
    return { binary };
  }
  const requested: string[] = [];
  outputs.forEach((entry: unknown, index) => {
    const field = `outputs[${index}]`;
    if (!isJsonObject(entry)) {
      problems.add(field, `expected an object with a name, got ${describeJsonValue(entry)}`);
      return;
    }
    const parameters = readParameters(entry.parameters, `${field}.parameters`, OUTPUT_PARAMETERS, problems);
    const { name } = entry;
    const spec = typeof name === 'string' ? specs.get(name) : undefined;
    if (typeof name !== 'string') {
      problems.add(`${field}.name`, `expected a string, got ${describeJsonValue(name)}`);
    } else if (spec === undefined) {
      problems.add(`${field}.name`, `"${name}" is not an output of this model; its outputs are ${specNames(signature.outputs)}`);
    } else if (!requested.includes(name)) {
      requested.push(name);
      const own = parameters?.[BINARY_DATA];
      choose(spec, typeof own === 'boolean' ? own : allBinary, field);
    }
  });
  return { requested, binary };
}

function readParameters(value: unknown, field: string, known: ReadonlyMap<string, ParameterKind>, problems: ProblemList): OipParameters | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) {
    problems.add(field, `expected an object of name → string, number or boolean, got ${describeJsonValue(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const parameter = value[key];
    const kind = known.get(key);
    if (kind === undefined) {
      const understood = [...known.keys()].join(', ');
      problems.add(`${field}.${key}`, `unknown parameter; this server understands ${understood} here, and acts on no other`);
    } else if (kind === 'boolean' && typeof parameter !== 'boolean') {
      problems.add(`${field}.${key}`, `expected true or false, got ${describeJsonValue(parameter)}`);
    } else if (kind === 'size' && !(Number.isSafeInteger(parameter) && (parameter as number) >= 0)) {
      problems.add(`${field}.${key}`, `expected a number of bytes (a non-negative integer), got ${describeJsonValue(parameter)}`);
    } else if (kind === 'content-type') {
      const problem = contentTypeProblem(parameter);
      if (problem !== undefined) problems.add(`${field}.${key}`, problem);
    }
  }
  return value as OipParameters;
}

const isNumeric = (kind: string) => kind === 'float' || kind === 'integer';

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}

/**
 * Results as an Open Inference Protocol inference response: flat row-major data with the same
 * element encoding as /v1 (INT64/UINT64 beyond ±(2^53 − 1) as decimal strings, NaN and infinities
 * as "NaN"/"Infinity"/"-Infinity"). With `requestedOutputs`, only those, in that order.
 */
export function encodeInferResponse(args: InferResponseArgs): InferResponse {
  // Not `encodeBinaryInferResponse({ ...args, binaryOutputs: [] })`: copying args by spread was two
  // thirds of this function's time on every OIP JSON answer (2.0 → 0.1 µs for a 10-float output).
  return encodeResponse(args, NO_BINARY_OUTPUTS).header;
}

const NO_BINARY_OUTPUTS: readonly string[] = [];

export interface InferResponseArgs {
  modelName: string;
  modelVersion: string;
  id?: string;
  results: Record<string, ort.Tensor>;
  requestedOutputs?: string[];
}

/**
 * The response under the binary tensor data extension: the JSON header, where each output in
 * `binaryOutputs` has `parameters.binary_data_size` instead of `data`, and those outputs' bytes in
 * the header's order (see frameBinaryBody).
 */
export function encodeBinaryInferResponse(args: InferResponseArgs & { binaryOutputs: readonly string[] }): { header: InferResponse; parts: Uint8Array[] } {
  return encodeResponse(args, args.binaryOutputs);
}

function encodeResponse(args: InferResponseArgs, binaryOutputs: readonly string[]): { header: InferResponse; parts: Uint8Array[] } {
  const { modelName, modelVersion, id, results, requestedOutputs } = args;
  const parts: Uint8Array[] = [];
  const outputs = (requestedOutputs ?? Object.keys(results)).map((name): InferResponseOutput => {
    const tensor = results[name];
    // decodeInferRequest only lets through outputs the model has, so a gap here is a bug upstream.
    if (tensor === undefined) throw new Error(`no result for requested output "${name}"`);
    const codec = codecForOrtType(tensor.type);
    const shape = [...tensor.dims];
    if (binaryOutputs.includes(name)) {
      const bytes = binaryTensorBytes(codec.datatype, tensor.data as TensorData);
      parts.push(bytes);
      return { name, datatype: codec.datatype, shape, parameters: { binary_data_size: bytes.length } };
    }
    return { name, datatype: codec.datatype, shape, data: codec.readRow(tensor.data as TensorData, 0, elementCountOf(tensor.dims)) };
  });
  return { header: { model_name: modelName, model_version: modelVersion, ...(id !== undefined && { id }), outputs }, parts };
}
