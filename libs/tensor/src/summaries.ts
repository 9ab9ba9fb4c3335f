import type * as ort from 'onnxruntime-node';
import type { ModelTask, OutputSummary } from '@switchyard/domain';

/** A 2-D input with at most this many columns is summarised per column (`x[0]`, `x[1]`, …). */
export const MAX_SUMMARISED_COLUMNS = 32;

const NUMERIC_TYPES = new Set(['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);
const LABEL_TYPES = new Set(['string', 'bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

type NumericData = ArrayLike<number | bigint | boolean>;

const toNumber = (value: number | bigint | boolean): number => (typeof value === 'number' ? value : Number(value));

/**
 * The summary's key of each column of an input (`x[0]`, `x[1]`, …), made once per input name: built for
 * every event, each key was a new string that V8 had to hash to find the property (summarising one row
 * of 16 columns took 1.1 µs, 0.35 µs with the keys kept). Inputs are named by the models served, so the
 * names are few; the cache is bounded all the same.
 */
const columnKeyCache = new Map<string, string[]>();
const MAX_CACHED_INPUT_NAMES = 1_024;

function columnKeys(name: string): string[] {
  let keys = columnKeyCache.get(name);
  if (keys !== undefined) return keys;
  keys = Array.from({ length: MAX_SUMMARISED_COLUMNS }, (_, column) => `${name}[${column}]`);
  if (columnKeyCache.size >= MAX_CACHED_INPUT_NAMES) columnKeyCache.clear();
  columnKeyCache.set(name, keys);
  return keys;
}

/**
 * What the prediction log keeps of a request's inputs for drift: per input, the mean of its values —
 * per column for a table-shaped input (the usual scikit-learn / XGBoost feature matrix), so a drifting
 * feature shows as itself. Strings and float16 are not summarised.
 *
 * A gateway sends the two kinds apart: {@link summarizeInputMeans} gives the one mean of each input
 * that is not a table, {@link packInputColumnMeans} each table's column means as bytes, and
 * {@link inputSummary} (in the worker) puts them back together as `{"x[0]": …, "image": …}`. Written as
 * JSON numbers, a table's means were most of what a prediction's log event cost the gateway: printing a
 * double as its shortest text takes some 200 ns, and an object of 32 keys `x[0]`… more to build and
 * walk (one event of a 32-column row, summarised and serialized: 8.9–10.2 µs, 2.4–2.8 packed).
 */
export function summarizeInputMeans(feeds: Record<string, ort.Tensor>): Record<string, number> | null {
  // Built only when there is something to keep, and filled by a `for…in`: Object.entries and a count
  // by Object.keys were two arrays more per prediction.
  let summary: Record<string, number> | null = null;
  for (const name in feeds) {
    const tensor = feeds[name];
    if (!NUMERIC_TYPES.has(tensor.type) || tensor.size === 0 || isTable(tensor)) continue;
    const data = tensor.data as NumericData;
    const mean = sumOf(data, 0, 1, data.length) / data.length;
    if (Number.isFinite(mean)) (summary ??= {})[name] = mean;
  }
  return summary;
}

/** A 2-D numeric input of 2 to {@link MAX_SUMMARISED_COLUMNS} columns, summarised per column. */
function isTable(tensor: ort.Tensor): boolean {
  const dims = tensor.dims;
  return dims.length === 2 && dims[1] > 1 && dims[1] <= MAX_SUMMARISED_COLUMNS;
}

/** Bytes of one packed table: its column means as float64, little-endian, one after the other. */
const BYTES_PER_COLUMN_MEAN = 8;
/** Where a table's means are written before they are read out as base64; one per process is enough (synchronous). */
const packScratch = Buffer.alloc(MAX_SUMMARISED_COLUMNS * BYTES_PER_COLUMN_MEAN);
/** The longest packed text: base64 of {@link MAX_SUMMARISED_COLUMNS} means. */
const MAX_PACKED_CHARS = Math.ceil((MAX_SUMMARISED_COLUMNS * BYTES_PER_COLUMN_MEAN) / 3) * 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The column means of each table-shaped input, by input name, each as the base64 of the means' float64
 * bytes (little-endian, column 0 first), exact. A column whose mean is not finite is packed as it is;
 * {@link inputSummary} leaves it out. Undefined when no input is a table, so that JSON leaves the
 * field out.
 */
export function packInputColumnMeans(feeds: Record<string, ort.Tensor>): Record<string, string> | undefined {
  let packed: Record<string, string> | undefined;
  for (const name in feeds) {
    const tensor = feeds[name];
    if (!NUMERIC_TYPES.has(tensor.type) || tensor.size === 0 || !isTable(tensor)) continue;
    const rows = tensor.dims[0];
    const columns = tensor.dims[1];
    const data = tensor.data as NumericData;
    for (let column = 0; column < columns; column++) {
      packScratch.writeDoubleLE(sumOf(data, column, columns, rows) / rows, column * BYTES_PER_COLUMN_MEAN);
    }
    (packed ??= {})[name] = packScratch.toString('base64', 0, columns * BYTES_PER_COLUMN_MEAN);
  }
  return packed;
}

/** Whether a text is one table's means as {@link packInputColumnMeans} writes them (a worker checks what any gateway sent). */
export function isPackedColumnMeans(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PACKED_CHARS || value.length % 4 !== 0 || !BASE64.test(value)) return false;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return ((value.length / 4) * 3 - padding) % BYTES_PER_COLUMN_MEAN === 0;
}

/**
 * An event's inputs as the prediction log stores and rolls them up: the whole-input means, and each
 * packed table's finite column means as `name[column]`. Null when there is nothing. `columns` must
 * hold only texts {@link isPackedColumnMeans} accepts; `means` is not changed.
 */
export function inputSummary(means: Record<string, number> | null, columns: Record<string, string> | null | undefined): Record<string, number> | null {
  if (!columns) return means;
  let summary: Record<string, number> | null = means ? { ...means } : null;
  for (const name in columns) {
    const bytes = Buffer.from(columns[name], 'base64');
    const keys = columnKeys(name);
    const count = Math.min(bytes.length / BYTES_PER_COLUMN_MEAN, keys.length);
    for (let column = 0; column < count; column++) {
      const mean = bytes.readDoubleLE(column * BYTES_PER_COLUMN_MEAN);
      if (Number.isFinite(mean)) (summary ??= {})[keys[column]] = mean;
    }
  }
  return summary;
}

/**
 * The sum of `count` values of a tensor's data, `stride` apart from `start`. A typed array holds one
 * kind of value, so the first says which loop to run: numbers are added as they are, and only
 * 64-bit integers (bigint) and booleans are converted, instead of every value passing a type test.
 */
function sumOf(data: NumericData, start: number, stride: number, count: number): number {
  let sum = 0;
  const end = start + stride * count;
  if (typeof data[start] === 'number') {
    const numbers = data as ArrayLike<number>;
    for (let i = start; i < end; i += stride) sum += numbers[i];
  } else {
    for (let i = start; i < end; i += stride) sum += Number(data[i]);
  }
  return sum;
}

/** A classifier's probabilities are kept for at most this many classes (log loss and AUC need them). */
export const MAX_SUMMARISED_CLASSES = 64;
/** How far from 1 a row of scores may sum and still be read as probabilities (float32 softmax rounding). */
const PROBABILITY_SUM_TOLERANCE = 1e-3;

/**
 * The first row of a float output that holds class probabilities (values in [0, 1] summing to 1, as a
 * softmax or scikit-learn's `probabilities` output gives), or undefined: logits and scores are not
 * probabilities, and a log loss over them would mean nothing.
 */
function probabilityRow(tensor: ort.Tensor | undefined): number[] | undefined {
  if (!tensor || (tensor.type !== 'float32' && tensor.type !== 'float64') || tensor.dims.length !== 2) return undefined;
  const classes = tensor.dims[1];
  if (classes < 2 || classes > MAX_SUMMARISED_CLASSES || tensor.size < classes) return undefined;
  // Checked before anything is copied: most outputs (logits, scores) fail at their first values.
  const data = tensor.data as Float32Array | Float64Array;
  let sum = 0;
  for (let i = 0; i < classes; i++) {
    const p = data[i];
    if (!(p >= 0 && p <= 1)) return undefined;
    sum += p;
  }
  return Math.abs(sum - 1) <= PROBABILITY_SUM_TOLERANCE ? Array.from(data.subarray(0, classes)) : undefined;
}

/** The first output, after `first` is tried, whose first row holds class probabilities. */
function probabilitiesOf(results: Record<string, ort.Tensor>, first?: ort.Tensor): number[] | undefined {
  const own = probabilityRow(first);
  if (own) return own;
  for (const name in results) {
    if (results[name] === first) continue;
    const row = probabilityRow(results[name]);
    if (row) return row;
  }
  return undefined;
}

/**
 * A request's prediction as outcomes are compared with it: the first output's first row. For a
 * classifier, the label it holds (a label output) or the index of its highest score, named by the
 * model's labels when it has them, plus the class probabilities when that output or another one holds
 * them (in class-index order); for a regression, the row's mean (usually its one value).
 */
export function summarizeOutput(
  results: Record<string, ort.Tensor>,
  task: ModelTask,
  labels: string[] | null,
  outputName?: string,
): OutputSummary | null {
  const tensor = results[outputName ?? ''] ?? Object.values(results)[0];
  if (!tensor || tensor.size === 0) return null;
  const rowLength = tensor.dims.length >= 2 ? tensor.dims.slice(1).reduce((a, b) => a * b, 1) : 1;
  if (rowLength === 0) return null;
  if (tensor.type === 'string') {
    if (task !== 'classification') return null;
    const probabilities = probabilitiesOf(results);
    return probabilities ? { label: (tensor.data as string[])[0], probabilities } : { label: (tensor.data as string[])[0] };
  }
  if (!NUMERIC_TYPES.has(tensor.type)) return null;
  const data = tensor.data as NumericData;
  if (task === 'classification') {
    const probabilities = probabilitiesOf(results, tensor);
    const withProbabilities = (label: string): OutputSummary => (probabilities ? { label, probabilities } : { label });
    if (LABEL_TYPES.has(tensor.type) || rowLength === 1) return withProbabilities(String(toNumber(data[0])));
    let best = 0;
    for (let i = 1; i < rowLength; i++) if (toNumber(data[i]) > toNumber(data[best])) best = i;
    return withProbabilities(labels?.[best] ?? String(best));
  }
  let sum = 0;
  for (let i = 0; i < rowLength; i++) sum += toNumber(data[i]);
  const value = sum / rowLength;
  return Number.isFinite(value) ? { value } : null;
}
