import { describeJsonValue, isJsonObject } from './json-value';
import { ProblemList, type TensorProblem } from './tensor-decode-error';

/** More axes than any model declares: deeper nesting is a mistake, and bounds the walk below. */
export const MAX_EXAMPLE_DEPTH = 16;
/** An example is a request or two, not a data set: every gateway runs it at each load. */
export const MAX_EXAMPLE_ELEMENTS = 16_384;

/** The forms of a predict body (predict-codec.ts): exactly one of these keys. */
const BODY_KEYS = ['inputs', 'instances', 'dataframe_split', 'dataframe_records'];

/**
 * Checks that `body` has the form of a /v1 predict body, without a signature to check it against:
 * `{"inputs": {name: value}}` (or a bare value, for a model with one input), `{"instances": [...]}`
 * (rows, or objects of input name → value, all with the same names), or MLflow's `dataframe_split`
 * (`{columns, data}`, each row one value per column) or `dataframe_records` (objects with the same
 * columns), each value nested arrays of the same length at each depth whose leaves are numbers,
 * strings or booleans (a bare such value for a scalar input), holding at most MAX_EXAMPLE_ELEMENTS
 * values. Problems are named under `field`; none means the form is right.
 */
export function predictBodyShapeProblems(body: unknown, field: string): TensorProblem[] {
  const problems = new ProblemList();
  const counter = { elements: 0 };
  if (!isJsonObject(body)) {
    problems.add(field, `expected a predict body, {"inputs": {name: value}} or {"instances": [...]}, got ${describeJsonValue(body)}`);
    return problems.list();
  }
  for (const key of Object.keys(body)) {
    if (!BODY_KEYS.includes(key)) problems.add(`${field}.${key}`, 'unknown field; a predict body has inputs, instances, dataframe_split or dataframe_records');
  }
  const sent = BODY_KEYS.filter((key) => Object.hasOwn(body, key));
  if (sent.length !== 1) {
    problems.add(field, sent.length > 1 ? `send one of ${sent.join(', ')}, not several` : 'required: inputs (an object of input name → value) or instances (an array)');
  } else if (sent[0] === 'instances') {
    if (!Array.isArray(body.instances)) problems.add(`${field}.instances`, `expected an array with one entry per instance, got ${describeJsonValue(body.instances)}`);
    else if (body.instances.length > 0 && isJsonObject(body.instances[0])) checkInstanceObjects(body.instances, `${field}.instances`, problems, counter);
    else checkValue(body.instances, `${field}.instances`, problems, counter);
  } else if (sent[0] === 'dataframe_split') {
    checkDataframeSplit(body.dataframe_split, `${field}.dataframe_split`, problems, counter);
  } else if (sent[0] === 'dataframe_records') {
    if (!Array.isArray(body.dataframe_records) || body.dataframe_records.length === 0 || !isJsonObject(body.dataframe_records[0])) {
      problems.add(`${field}.dataframe_records`, `expected a non-empty array of objects of column name → value, got ${describeJsonValue(body.dataframe_records)}`);
    } else {
      checkInstanceObjects(body.dataframe_records, `${field}.dataframe_records`, problems, counter);
    }
  } else if (!isJsonObject(body.inputs)) {
    // A bare value: the one input of a model with one (TensorFlow Serving's columnar format).
    checkValue(body.inputs, `${field}.inputs`, problems, counter);
  } else if (Object.keys(body.inputs).length === 0) {
    problems.add(`${field}.inputs`, 'expected an object of input name → value with at least one input, got an object');
  } else {
    for (const [name, value] of Object.entries(body.inputs)) checkValue(value, `${field}.inputs.${name}`, problems, counter);
  }
  if (counter.elements > MAX_EXAMPLE_ELEMENTS) {
    problems.add(field, `holds ${counter.elements} values; an example may hold at most ${MAX_EXAMPLE_ELEMENTS}`);
  }
  return problems.list();
}

/** MLflow's split DataFrame: distinct column names, and at least one row of one tensor value per column. */
function checkDataframeSplit(split: unknown, field: string, problems: ProblemList, counter: { elements: number }): void {
  if (!isJsonObject(split)) {
    problems.add(field, `expected an object {"columns": [...], "data": [[...], ...]}, got ${describeJsonValue(split)}`);
    return;
  }
  const { columns, data } = split;
  if (!Array.isArray(columns) || columns.some((name) => typeof name !== 'string') || new Set(columns).size !== columns.length) {
    problems.add(`${field}.columns`, 'expected an array of distinct column names');
    return;
  }
  if (!Array.isArray(data) || data.length === 0) {
    problems.add(`${field}.data`, `expected a non-empty array of rows, got ${describeJsonValue(data)}`);
    return;
  }
  for (let index = 0; index < data.length && !problems.full; index++) {
    const row = data[index];
    if (!Array.isArray(row) || row.length !== columns.length) {
      problems.add(`${field}.data[${index}]`, `expected a row of ${columns.length} values, one per column`);
      continue;
    }
    row.forEach((value, column) => checkValue(value, `${field}.data[${index}][${column}]`, problems, counter));
  }
}

/** Instances in the row format: each an object of the same input names as the first, each value a tensor value. */
function checkInstanceObjects(instances: unknown[], field: string, problems: ProblemList, counter: { elements: number }): void {
  const names = Object.keys(instances[0] as object).sort().join(', ');
  if (names === '') problems.add(`${field}[0]`, 'an empty object; an instance gives a value for each input');
  for (let index = 0; index < instances.length && !problems.full; index++) {
    const instance = instances[index];
    if (!isJsonObject(instance)) {
      problems.add(`${field}[${index}]`, `expected an object of input name → value, as instances[0] is, got ${describeJsonValue(instance)}`);
      continue;
    }
    if (Object.keys(instance).sort().join(', ') !== names) {
      problems.add(`${field}[${index}]`, `gives the inputs ${Object.keys(instance).sort().join(', ') || '(none)'}, where instances[0] gives ${names}`);
      continue;
    }
    for (const [name, value] of Object.entries(instance)) checkValue(value, `${field}[${index}].${name}`, problems, counter);
  }
}

/** A tensor value: a leaf, or a non-empty array whose entries all have the shape of the first. */
function checkValue(value: unknown, field: string, problems: ProblemList, counter: { elements: number }): void {
  const expected = shapeOf(value, field, problems, 0);
  if (expected === undefined) return;
  counter.elements += expected.reduce((product, dimension) => product * dimension, 1);
  checkRows(value, expected, field, problems);
}

/** The shape read down the first entries; undefined (with the problem added) if it cannot be a tensor. */
function shapeOf(value: unknown, field: string, problems: ProblemList, depth: number): number[] | undefined {
  if (!Array.isArray(value)) {
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return [];
    problems.add(field, `expected nested arrays of numbers, strings or booleans, got ${describeJsonValue(value)}`);
    return undefined;
  }
  if (value.length === 0) {
    problems.add(field, 'an empty array; an example needs at least one value along each axis');
    return undefined;
  }
  if (depth >= MAX_EXAMPLE_DEPTH) {
    problems.add(field, `nested deeper than ${MAX_EXAMPLE_DEPTH} arrays`);
    return undefined;
  }
  const inner = shapeOf(value[0], `${field}[0]`, problems, depth + 1);
  return inner && [value.length, ...inner];
}

function checkRows(value: unknown, expected: readonly number[], field: string, problems: ProblemList): void {
  if (expected.length === 0) {
    if (Array.isArray(value) || !(typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')) {
      problems.add(field, `expected a number, string or boolean, got ${describeJsonValue(value)}`);
    }
    return;
  }
  if (!Array.isArray(value) || value.length !== expected[0]) {
    problems.add(field, `expected an array of ${expected[0]} entries (like its first sibling), got ${Array.isArray(value) ? `${value.length}` : describeJsonValue(value)}`);
    return;
  }
  for (let index = 0; index < value.length && !problems.full; index++) checkRows(value[index], expected.slice(1), `${field}[${index}]`, problems);
}
