import * as ort from 'onnxruntime-node';
import type { ModelSignature, OipDatatype, TensorSpec } from '@switchyard/onnx';
import { codecForDatatype, codecForOrtType, findCodec, type TensorData } from './element-codec';
import type { DecodeLimits } from './feeds';
import { elementCountOf, formatShape, shapeMismatch } from './shape';
import { readByteString } from './byte-strings';
import { CONTENT_TYPE_PARAMETER, contentTypeProblem } from './content-type-parameter';
import { binaryTensorBytes } from './oip-binary';
import { InputClaims, specNames } from './oip-inputs';
import { ProblemList } from './tensor-decode-error';

/**
 * The gRPC Open Inference Protocol's messages (`inference.GRPCInferenceService` in open_inference_grpc.proto)
 * as @grpc/proto-loader presents them with `keepCase`, `longs: String` and `defaults: false`: field
 * names as in the .proto, 64-bit integers as decimal strings, absent fields undefined. Outgoing
 * messages may carry numbers where the .proto has int64.
 */
export interface GrpcInferParameter {
  bool_param?: boolean;
  int64_param?: string | number;
  string_param?: string;
  double_param?: number;
  uint64_param?: string | number;
}

export interface GrpcTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: (string | number)[];
  uint_contents?: number[];
  uint64_contents?: (string | number)[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface GrpcInferInputTensor {
  name?: string;
  datatype?: string;
  shape?: (string | number)[];
  parameters?: Record<string, GrpcInferParameter>;
  contents?: GrpcTensorContents;
}

export interface GrpcInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, GrpcInferParameter>;
  inputs?: GrpcInferInputTensor[];
  outputs?: { name?: string; parameters?: Record<string, GrpcInferParameter> }[];
  raw_input_contents?: Uint8Array[];
}

export interface GrpcInferOutputTensor {
  name: string;
  datatype: OipDatatype;
  shape: number[];
  contents?: GrpcTensorContents;
}

export interface GrpcInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: GrpcInferOutputTensor[];
  raw_output_contents?: Uint8Array[];
}

export interface GrpcDecodedRequest {
  id: string;
  feeds: Record<string, ort.Tensor>;
  /** The outputs asked for, in order, without repeats; undefined means all of them. */
  requestedOutputs?: string[];
  /** The inputs came as raw_input_contents, so the outputs go back as raw_output_contents. */
  raw: boolean;
}

type ContentsField = keyof GrpcTensorContents;

/** The typed `contents` field each datatype travels in; FP16 has none and travels raw only. */
const CONTENTS_FIELD: Record<OipDatatype, ContentsField | undefined> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP16: undefined,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

const CONTENTS_FIELDS = Object.keys({
  bool_contents: 0,
  int_contents: 0,
  int64_contents: 0,
  uint_contents: 0,
  uint64_contents: 0,
  fp32_contents: 0,
  fp64_contents: 0,
  bytes_contents: 0,
} satisfies Record<ContentsField, 0>) as ContentsField[];

/** Bytes per element in raw contents (little-endian, BOOL one byte); BYTES elements are length-prefixed instead. */
const RAW_ELEMENT_BYTES: Record<Exclude<OipDatatype, 'BYTES'>, number> = {
  BOOL: 1,
  INT8: 1,
  UINT8: 1,
  INT16: 2,
  UINT16: 2,
  FP16: 2,
  INT32: 4,
  UINT32: 4,
  FP32: 4,
  INT64: 8,
  UINT64: 8,
  FP64: 8,
};

/** One input checked against the signature: its shape, and where its elements are. */
interface InputPlan {
  spec: TensorSpec;
  datatype: OipDatatype;
  dims: number[];
  field: string;
  elements: { raw: Uint8Array } | { typed: unknown[] };
}

/**
 * Turns a gRPC ModelInferRequest into onnxruntime feeds for `signature`. Inputs come either all as
 * typed `contents` or all as `raw_input_contents` (one entry per input, in order), as the protocol
 * says; each input's datatype must be the model's, since binary data cannot stand for another type.
 * A parameter the gateway does not act on is refused rather than silently ignored (MLServer's
 * `content_type` is taken where it means the tensor as sent). Every
 * problem found is reported at once in a TensorDecodeError, naming the field to fix.
 */
export function decodeGrpcInferRequest(request: GrpcInferRequest, signature: ModelSignature, limits: DecodeLimits): GrpcDecodedRequest {
  const problems = new ProblemList();
  checkParameters(request.parameters, 'parameters', problems, true);
  const raw = request.raw_input_contents ?? [];
  const inputs = request.inputs ?? [];
  if (raw.length > 0 && raw.length !== inputs.length) {
    problems.add('raw_input_contents', `has ${raw.length} entries for ${inputs.length} inputs; send one entry per input, in the order of inputs`);
  }
  const plans = inputPlans(inputs, raw, signature, problems);
  const requestedOutputs = readOutputs(request.outputs, signature, problems);
  let total = 0;
  for (const plan of plans) total += elementCountOf(plan.dims);
  if (total > limits.maxElements) problems.add('inputs', `${total} elements in all exceed the limit of ${limits.maxElements} per request`);
  problems.throwIfAny();

  const feeds: Record<string, ort.Tensor> = {};
  for (const plan of plans) {
    const codec = codecForDatatype(plan.spec.datatype);
    const data = 'raw' in plan.elements ? fromRaw(plan, plan.elements.raw, problems) : fromTyped(plan, plan.elements.typed, problems);
    if (data !== undefined) feeds[plan.spec.name] = new ort.Tensor(codec.ortType, data, plan.dims);
  }
  problems.throwIfAny();
  return { id: request.id ?? '', feeds, ...(requestedOutputs !== undefined && { requestedOutputs }), raw: raw.length > 0 };
}

function inputPlans(inputs: GrpcInferInputTensor[], raw: Uint8Array[], signature: ModelSignature, problems: ProblemList): InputPlan[] {
  const claims = new InputClaims(signature, problems);
  const plans: InputPlan[] = [];
  inputs.forEach((input, index) => {
    const field = `inputs[${index}]`;
    const name = input.name ?? '';
    const spec = claims.claim(name, field);
    if (spec === undefined) return;
    checkParameters(input.parameters, `${field}.parameters`, problems, true);
    const { datatype } = codecForDatatype(spec.datatype);
    const valid = input.datatype === datatype;
    if (!valid) {
      const known = findCodec(input.datatype ?? '') !== undefined;
      problems.add(`${field}.datatype`, known ? `input "${name}" is ${datatype}, not ${input.datatype}` : `expected ${datatype} for input "${name}", got "${input.datatype ?? ''}"`);
    }
    const dims = readShape(input.shape ?? [], spec, `${field}.shape`, problems);
    // Contents are checked against the datatype: against the wrong one, every finding would repeat this one.
    if (!valid) return;
    const filled = CONTENTS_FIELDS.filter((key) => (input.contents?.[key]?.length ?? 0) > 0);
    if (raw.length > 0) {
      if (filled.length > 0) problems.add(`${field}.contents`, 'must be empty when the request carries raw_input_contents; send every input one way');
      else if (dims !== undefined && index < raw.length) plans.push({ spec, datatype, dims, field: `raw_input_contents[${index}]`, elements: { raw: raw[index] } });
      return;
    }
    const expected = CONTENTS_FIELD[datatype];
    if (expected === undefined) {
      problems.add(`${field}.contents`, `${spec.datatype} has no typed contents field; send input "${name}" in raw_input_contents`);
      return;
    }
    const stray = filled.filter((key) => key !== expected);
    if (stray.length > 0) {
      problems.add(`${field}.contents`, `input "${name}" is ${spec.datatype}: its elements go in ${expected}, not ${stray.join(', ')}`);
      return;
    }
    if (dims !== undefined) plans.push({ spec, datatype, dims, field: `${field}.contents.${expected}`, elements: { typed: (input.contents?.[expected] ?? []) as unknown[] } });
  });
  claims.reportMissing();
  return plans;
}

function readShape(shape: (string | number)[], spec: TensorSpec, field: string, problems: ProblemList): number[] | undefined {
  const dims = shape.map(Number);
  if (!dims.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    problems.add(field, `expected non-negative integers, got [${shape.join(', ')}]`);
    return undefined;
  }
  const mismatch = shapeMismatch(spec, dims);
  if (mismatch !== undefined) {
    problems.add(field, `input "${spec.name}": ${mismatch}`);
    return undefined;
  }
  return dims;
}

function readOutputs(outputs: GrpcInferRequest['outputs'], signature: ModelSignature, problems: ProblemList): string[] | undefined {
  if (outputs === undefined || outputs.length === 0) return undefined;
  const known = new Set(signature.outputs.map((spec) => spec.name));
  const requested: string[] = [];
  outputs.forEach((output, index) => {
    checkParameters(output.parameters, `outputs[${index}].parameters`, problems, false);
    const name = output.name ?? '';
    if (!known.has(name)) problems.add(`outputs[${index}].name`, `"${name}" is not an output of this model; its outputs are ${specNames(signature.outputs)}`);
    else if (!requested.includes(name)) requested.push(name);
  });
  return requested;
}

/**
 * Refuses every parameter but MLServer's `content_type` where `takesContentType` (a request or an input;
 * see content-type-parameter.ts), and that one when it asks for a decoding the gateway does not do.
 */
function checkParameters(parameters: Record<string, GrpcInferParameter> | undefined, field: string, problems: ProblemList, takesContentType: boolean): void {
  for (const [key, parameter] of Object.entries(parameters ?? {})) {
    if (!takesContentType || key !== CONTENT_TYPE_PARAMETER) {
      problems.add(`${field}.${key}`, `"${key}" is not a parameter this server knows; remove it`);
      continue;
    }
    const problem = contentTypeProblem(parameter.string_param);
    if (problem !== undefined) problems.add(`${field}.${key}`, problem);
  }
}

/** Copies the little-endian bytes into a tensor's own, aligned array (a received Buffer may sit at any offset). */
function fromRaw(plan: InputPlan, bytes: Uint8Array, problems: ProblemList): TensorData | undefined {
  const { spec, datatype, dims, field } = plan;
  const count = elementCountOf(dims);
  if (datatype === 'BYTES') return bytesFromRaw(bytes, count, `${field} (input "${spec.name}", BYTES ${formatShape(dims)})`, problems);
  const size = RAW_ELEMENT_BYTES[datatype];
  if (bytes.byteLength !== count * size) {
    problems.add(field, `has ${bytes.byteLength} bytes, but input "${spec.name}" (${datatype} ${formatShape(dims)}) takes ${count} × ${size} = ${count * size} bytes`);
    return undefined;
  }
  // Typed arrays are host-endian; every platform onnxruntime-node ships for is little-endian, as the wire is.
  const data = codecForDatatype(datatype).allocate(count) as Exclude<TensorData, string[]>;
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
  return data;
}

/** BYTES elements in raw contents: each a 4-byte little-endian length, then that many bytes. */
function bytesFromRaw(bytes: Uint8Array, count: number, where: string, problems: ProblemList): string[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elements: string[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (offset + 4 > bytes.byteLength || elements.length === count) {
      problems.add(where, `has bytes past its ${count} elements at offset ${offset}; each element is a 4-byte little-endian length, then its bytes`);
      return undefined;
    }
    const length = view.getUint32(offset, true);
    if (offset + 4 + length > bytes.byteLength) {
      problems.add(where, `element ${elements.length} claims ${length} bytes at offset ${offset}, past the end (${bytes.byteLength} bytes)`);
      return undefined;
    }
    const element = readByteString(bytes.subarray(offset + 4, offset + 4 + length));
    if (element.problem !== undefined) {
      problems.add(where, `element ${elements.length} ${element.problem}`);
      return undefined;
    }
    elements.push(element.text);
    offset += 4 + length;
  }
  if (elements.length !== count) {
    problems.add(where, `holds ${elements.length} elements, but the shape holds ${count}`);
    return undefined;
  }
  return elements;
}

function fromTyped(plan: InputPlan, values: unknown[], problems: ProblemList): TensorData | undefined {
  const { spec, dims, field } = plan;
  const count = elementCountOf(dims);
  if (values.length !== count) {
    problems.add(field, `has ${values.length} elements, but shape ${formatShape(dims)} holds ${count}`);
    return undefined;
  }
  // Floats arrive as numbers already in range, NaN and infinities included: binary carries them exactly.
  if (spec.datatype === 'FP32') return Float32Array.from(values as number[]);
  if (spec.datatype === 'FP64') return Float64Array.from(values as number[]);
  if (spec.datatype === 'BYTES') return stringsOf(plan, values as Uint8Array[], problems);
  const codec = codecForDatatype(spec.datatype);
  const data = codec.allocate(count);
  // int_contents and uint_contents are 32-bit on the wire: INT8, INT16, UINT8 and UINT16 need a range check.
  const refused = codec.writeRow(data, 0, values, 0);
  if (refused >= 0) {
    problems.add(`${field}[${refused}]`, `input "${spec.name}" is ${spec.datatype}: ${codec.refusal(values[refused])}`);
    return undefined;
  }
  return data;
}

/** `bytes_contents` as the strings a string tensor takes, refusing an element it could not take unchanged. */
function stringsOf(plan: InputPlan, values: Uint8Array[], problems: ProblemList): string[] | undefined {
  const strings = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const element = readByteString(values[i]);
    if (element.problem !== undefined) {
      problems.add(plan.field, `BYTES element ${i} of input "${plan.spec.name}" ${element.problem}`);
      return undefined;
    }
    strings[i] = element.text;
  }
  return strings;
}

/**
 * Results as a gRPC ModelInferResponse. Raw (`raw_output_contents`, one entry per output, in order)
 * when the request came raw or when an output has no typed contents field (FP16), since the protocol
 * allows no mix of the two; otherwise typed `contents`. With `requestedOutputs`, only those, in that order.
 */
export function encodeGrpcInferResponse(args: {
  modelName: string;
  modelVersion: string;
  id: string;
  results: Record<string, ort.Tensor>;
  requestedOutputs?: string[];
  raw: boolean;
}): GrpcInferResponse {
  const { modelName, modelVersion, id, results, requestedOutputs } = args;
  const tensors = (requestedOutputs ?? Object.keys(results)).map((name) => {
    const tensor = results[name];
    // decodeGrpcInferRequest only lets through outputs the model has, so a gap here is a bug upstream.
    if (tensor === undefined) throw new Error(`no result for requested output "${name}"`);
    return { name, tensor, datatype: codecForOrtType(tensor.type).datatype };
  });
  const raw = args.raw || tensors.some(({ datatype }) => CONTENTS_FIELD[datatype] === undefined);
  const outputs = tensors.map(({ name, tensor, datatype }) => ({
    name,
    datatype,
    shape: [...tensor.dims],
    ...(!raw && { contents: typedContents(datatype, tensor.data as TensorData) }),
  }));
  const response: GrpcInferResponse = { model_name: modelName, model_version: modelVersion, id, outputs };
  // Raw contents are laid out as the binary tensor data extension's (BYTES length-prefixed, BOOL one byte).
  if (raw) response.raw_output_contents = tensors.map(({ tensor, datatype }) => binaryTensorBytes(datatype, tensor.data as TensorData));
  return response;
}

function typedContents(datatype: OipDatatype, data: TensorData): GrpcTensorContents {
  const field = CONTENTS_FIELD[datatype]!;
  if (datatype === 'BYTES') return { bytes_contents: (data as string[]).map((value) => Buffer.from(value, 'utf8')) };
  if (datatype === 'BOOL') return { bool_contents: Array.from(data as Uint8Array, (value) => value !== 0) };
  // 64-bit integers as decimal strings: exact, and what the .proto's int64 fields take.
  if (datatype === 'INT64' || datatype === 'UINT64') return { [field]: Array.from(data as BigInt64Array, (value) => value.toString()) };
  return { [field]: Array.from(data as Float32Array) };
}
