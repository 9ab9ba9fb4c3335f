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
  // The body's own key (inputs, instances, dataframe_…) names the request as a whole.
  const limitField = named.length > 0 ? /^\w+/.exec(named[0].field)![0] : 'inputs';
  const feeds = writeFeeds(plans, limits, limitField, problems);
  problems.throwIfAny();
  return feeds;
}

/** The keys a predict body may hold, exactly one of them: Switchyard's and TF Serving's two, and MLflow's two dataframe forms. */
const BODY_KEYS = ['inputs', 'instances', 'dataframe_split', 'dataframe_records'] as const;

function namedValues(body: unknown, signature: ModelSignature, problems: ProblemList): NamedValue[] {
  if (!isJsonObject(body)) {
    problems.add('body', 'expected a JSON object with inputs (or instances, for a model with one input)');
    return [];
  }
  for (const key of Object.keys(body)) {
    if (!(BODY_KEYS as readonly string[]).includes(key)) {
      problems.add(key, 'unknown field; a predict request has inputs, instances, dataframe_split or dataframe_records');
    }
  }
  const sent = BODY_KEYS.filter((key) => Object.hasOwn(body, key));
  if (sent.length > 1) {
    problems.add(sent[1], `send one of inputs, instances, dataframe_split or dataframe_records, not both ${sent[0]} and ${sent[1]}`);
    return [];
  }
  if (sent[0] === 'instances') return instancesValue(body.instances, signature, problems);
  if (sent[0] === 'dataframe_split') return dataframeSplitValues(body.dataframe_split, signature, problems);
  if (sent[0] === 'dataframe_records') return dataframeRecordsValues(body.dataframe_records, signature, problems);
  if (sent[0] !== 'inputs') {
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
function instanceObjects(instances: unknown[], signature: ModelSignature, problems: ProblemList, key = 'instances'): NamedValue[] {
  const columns = signature.inputs.map(() => new Array<unknown>(instances.length));
  const known = new Set(signature.inputs.map((spec) => spec.name));
  let refused = false;
  const refuse = (field: string, message: string) => {
    problems.add(field, message);
    refused = true;
  };
  for (let index = 0; index < instances.length && !problems.full; index++) {
    const instance = instances[index];
    const field = `${key}[${index}]`;
    if (!isJsonObject(instance)) {
      refuse(field, `expected an object of input name → value, as ${key}[0] is`);
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
  return signature.inputs.map((spec, column) => ({ spec, value: columns[column], field: `${key}[*].${spec.name}` }));
}

/** True when the model's inputs are exactly these names (a table's columns, one input each). */
function inputsAreColumns(signature: ModelSignature, names: readonly string[]): boolean {
  return names.length === signature.inputs.length && signature.inputs.every((spec) => names.includes(spec.name));
}

const COLUMNS_OR_ONE_INPUT = (signature: ModelSignature) =>
  `the columns must be this model's inputs (${namesOf(signature)}), one input per column, or the model must have one input, which takes each row`;

/**
 * MLflow's `{"dataframe_split": {"columns": [...], "data": [[...], ...]}}` (pandas' split orient;
 * `index` is ignored). A model whose inputs are the columns gets each column as its input, as rows
 * stack in the row format; a model with one input gets the rows themselves, in column order, as
 * MLflow hands a DataFrame to a model with one tensor input.
 */
function dataframeSplitValues(split: unknown, signature: ModelSignature, problems: ProblemList): NamedValue[] {
  if (!isJsonObject(split)) {
    problems.add('dataframe_split', 'expected an object {"columns": [...], "data": [[...], ...]}, as pandas writes to_dict(orient="split")');
    return [];
  }
  for (const key of Object.keys(split)) {
    if (key !== 'columns' && key !== 'data' && key !== 'index') problems.add(`dataframe_split.${key}`, 'unknown field; dataframe_split has columns, data and index');
  }
  const { columns, data } = split;
  if (!Array.isArray(columns) || columns.some((name) => typeof name !== 'string') || new Set(columns).size !== columns.length) {
    problems.add('dataframe_split.columns', 'expected an array of distinct column names');
    return [];
  }
  if (!Array.isArray(data)) {
    problems.add('dataframe_split.data', 'expected an array of rows, each an array of one value per column');
    return [];
  }
  let refused = false;
  for (let index = 0; index < data.length && !problems.full; index++) {
    const row = data[index];
    if (Array.isArray(row) && row.length === columns.length) continue;
    problems.add(`dataframe_split.data[${index}]`, `expected a row of ${columns.length} values, one per column`);
    refused = true;
  }
  if (refused) return [];
  const rows = data as unknown[][];
  if (inputsAreColumns(signature, columns as string[])) {
    return signature.inputs.map((spec) => {
      const column = (columns as string[]).indexOf(spec.name);
      const values = rows.map((row) => (!Array.isArray(row[column]) && isColumnInput(spec) ? [row[column]] : row[column]));
      return { spec, value: values, field: `dataframe_split.data[*].${spec.name}` };
    });
  }
  if (signature.inputs.length === 1) return [{ spec: signature.inputs[0], value: rows, field: 'dataframe_split.data' }];
  problems.add('dataframe_split.columns', COLUMNS_OR_ONE_INPUT(signature));
  return [];
}

/**
 * MLflow's `{"dataframe_records": [{column: value, ...}, ...]}` (pandas' records orient). A model whose
 * inputs are the columns takes them as the row format's instance objects; a model with one input gets
 * each record's values as a row, in the order of the first record's columns (as pandas orders them).
 */
function dataframeRecordsValues(records: unknown, signature: ModelSignature, problems: ProblemList): NamedValue[] {
  if (!Array.isArray(records) || records.some((record) => !isJsonObject(record))) {
    problems.add('dataframe_records', 'expected an array of records, each an object of column name → value, as pandas writes to_dict(orient="records")');
    return [];
  }
  const columns = records.length > 0 ? Object.keys(records[0] as object) : signature.inputs.map((spec) => spec.name);
  if (inputsAreColumns(signature, columns)) return instanceObjects(records, signature, problems, 'dataframe_records');
  if (signature.inputs.length !== 1) {
    problems.add('dataframe_records', COLUMNS_OR_ONE_INPUT(signature));
    return [];
  }
  const rows = new Array<unknown[]>(records.length);
  let refused = false;
  for (let index = 0; index < records.length && !problems.full; index++) {
    const record = records[index] as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === columns.length && columns.every((column) => Object.hasOwn(record, column))) {
      rows[index] = columns.map((column) => record[column]);
      continue;
    }
    problems.add(`dataframe_records[${index}]`, `gives the columns ${keys.join(', ') || '(none)'}, where dataframe_records[0] gives ${columns.join(', ')}`);
    refused = true;
  }
  return refused ? [] : [{ spec: signature.inputs[0], value: rows, field: 'dataframe_records' }];
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
