import * as ort from 'onnxruntime-node';
import type { ModelSignature } from '@switchyard/onnx';
import { decodePredictRequest, encodeOutputsAsNested } from './predict-codec';
import { TensorDecodeError, type TensorProblem } from './tensor-decode-error';

const signature: ModelSignature = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1, 4] },
    { name: 'ids', datatype: 'INT64', shape: [-1] },
    { name: 'mask', datatype: 'BOOL', shape: [-1] },
    { name: 'scale', datatype: 'FP64', shape: [] },
    { name: 'text', datatype: 'BYTES', shape: [-1] },
  ],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
};

const oneInput: ModelSignature = {
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 64] }],
  outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 10] }],
};

const limits = { maxElements: 10_000 };

const validInputs = () => ({
  x: [[1, 2, 3, 4], [5, 6, 7, 8]],
  ids: [1, '9007199254740993'],
  mask: [true, false],
  scale: 0.5,
  text: ['a', 'b', 'c'],
});

function problemsOf(decode: () => unknown): TensorProblem[] {
  try {
    decode();
  } catch (error) {
    if (error instanceof TensorDecodeError) return error.problems;
    throw error;
  }
  throw new Error('expected a TensorDecodeError');
}

describe('decodePredictRequest', () => {
  it('decodes several inputs of different types at once into typed tensors', () => {
    const feeds = decodePredictRequest({ inputs: validInputs() }, signature, limits);
    expect(Object.keys(feeds).sort()).toEqual(['ids', 'mask', 'scale', 'text', 'x']);
    expect(feeds.x).toBeInstanceOf(ort.Tensor);
    expect(feeds.x).toMatchObject({ type: 'float32', dims: [2, 4], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8) });
    expect(feeds.ids).toMatchObject({ type: 'int64', dims: [2], data: BigInt64Array.of(1n, 9007199254740993n) });
    expect(feeds.mask).toMatchObject({ type: 'bool', dims: [2], data: Uint8Array.of(1, 0) });
    expect(feeds.scale).toMatchObject({ type: 'float64', dims: [], data: Float64Array.of(0.5) });
    expect(feeds.text).toMatchObject({ type: 'string', dims: [3], data: ['a', 'b', 'c'] });
  });

  it('takes any batch size along a dynamic first dimension', () => {
    for (const batch of [1, 3, 17]) {
      const rows = Array.from({ length: batch }, (_, row) => Array.from({ length: 64 }, (_, column) => row + column / 64));
      const { input } = decodePredictRequest({ inputs: { input: rows } }, oneInput, limits);
      expect(input.dims).toEqual([batch, 64]);
      expect(input.data).toEqual(Float32Array.from(rows.flat()));
    }
  });

  it('takes instances as the value of the only input, batch first', () => {
    const rows = [new Array(64).fill(0.25), new Array(64).fill(-1)];
    const { input } = decodePredictRequest({ instances: rows }, oneInput, limits);
    expect(input).toMatchObject({ type: 'float32', dims: [2, 64] });
    expect(input.data).toEqual(Float32Array.from(rows.flat()));
    expect(decodePredictRequest({ instances: rows }, oneInput, limits)).toEqual(
      decodePredictRequest({ inputs: { input: rows } }, oneInput, limits),
    );
  });

  it('takes a bare JSON value for a scalar input and refuses an array for it', () => {
    const scalar: ModelSignature = { inputs: [{ name: 's', datatype: 'INT32', shape: [] }], outputs: [] };
    expect(decodePredictRequest({ inputs: { s: 7 } }, scalar, limits).s).toMatchObject({ dims: [], data: Int32Array.of(7) });
    expect(problemsOf(() => decodePredictRequest({ inputs: { s: [7] } }, scalar, limits))).toEqual([
      { field: 'inputs.s', message: 'expected a scalar (shape []), got shape [1]' },
    ]);
  });

  it('names the input and the path of a ragged array', () => {
    const x = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3]];
    expect(problemsOf(() => decodePredictRequest({ inputs: { ...validInputs(), x } }, signature, limits))).toEqual([
      { field: 'inputs.x[3]', message: 'expected 4 elements, got 3' },
    ]);
  });

  it('refuses a wrong rank, a wrong fixed dimension and an empty batch', () => {
    const decode = (x: unknown) => problemsOf(() => decodePredictRequest({ inputs: { ...validInputs(), x } }, signature, limits));
    expect(decode([1, 2, 3, 4])).toEqual([{ field: 'inputs.x', message: 'expected shape [-1, 4] (rank 2), got [4] (rank 1)' }]);
    expect(decode([[[1, 2, 3, 4]]])).toEqual([
      { field: 'inputs.x', message: 'expected shape [-1, 4] (rank 2), got [1, 1, 4] (rank 3)' },
    ]);
    expect(decode([[1, 2, 3]])).toEqual([{ field: 'inputs.x', message: 'dimension 1 must be 4 (shape [-1, 4]), got 3' }]);
    expect(decode(2)).toEqual([{ field: 'inputs.x', message: 'expected shape [-1, 4] (rank 2), got [] (rank 0)' }]);
    expect(decode([])).toEqual([{ field: 'inputs.x', message: 'expected shape [-1, 4] (rank 2), got [0] (rank 1)' }]);
    expect(problemsOf(() => decodePredictRequest({ inputs: { ...validInputs(), ids: [] } }, signature, limits))).toEqual([
      { field: 'inputs.ids', message: 'dimension 0 must be at least 1 (shape [-1]), got 0' },
    ]);
  });

  it('reports unknown and missing inputs together', () => {
    const { mask: _mask, text: _text, ...rest } = validInputs();
    expect(problemsOf(() => decodePredictRequest({ inputs: { ...rest, masks: [true] } }, signature, limits))).toEqual([
      { field: 'inputs.masks', message: 'not an input of this model; its inputs are x, ids, mask, scale, text' },
      { field: 'inputs.mask', message: 'missing: the model requires it (BOOL [-1])' },
      { field: 'inputs.text', message: 'missing: the model requires it (BYTES [-1])' },
    ]);
  });

  it('collects every kind of problem across inputs into one error whose message joins them', () => {
    let caught: unknown;
    try {
      decodePredictRequest(
        { inputs: { x: [[1, 2, 3, 'NaN']], ids: [1.5, '12'], mask: [1], scale: '0.5', extra: 1 } },
        signature,
        limits,
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TensorDecodeError);
    const error = caught as TensorDecodeError;
    expect(error.problems).toEqual([
      { field: 'inputs.extra', message: 'not an input of this model; its inputs are x, ids, mask, scale, text' },
      { field: 'inputs.text', message: 'missing: the model requires it (BYTES [-1])' },
      { field: 'inputs.x[0][3]', message: 'expected a number, got string "NaN"' },
      { field: 'inputs.ids[0]', message: '1.5 is not an integer' },
      { field: 'inputs.mask[0]', message: 'expected true or false, got number 1' },
      { field: 'inputs.scale', message: 'expected a number, got string "0.5"' },
    ]);
    expect(error.truncated).toBe(false);
    expect(error.message).toBe(error.problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '));
  });

  it('refuses non-numeric strings in float inputs', () => {
    const x = [['1', 2, 3, 4], [5, 'Infinity', 'abc', 8]];
    expect(problemsOf(() => decodePredictRequest({ inputs: { ...validInputs(), x } }, signature, limits))).toEqual([
      { field: 'inputs.x[0][0]', message: 'expected a number, got string "1"' },
      { field: 'inputs.x[1][1]', message: 'expected a number, got string "Infinity"' },
      { field: 'inputs.x[1][2]', message: 'expected a number, got string "abc"' },
    ]);
  });

  it('keeps INT64 exact: 2^53 + 1 as a string is taken, as a JSON number it is refused', () => {
    const body = JSON.parse('{"inputs": {"x": [[1, 2, 3, 4]], "ids": ["9007199254740993", 9007199254740993], "mask": [true], "scale": 1, "text": ["t"]}}');
    expect(problemsOf(() => decodePredictRequest(body, signature, limits))).toEqual([
      {
        field: 'inputs.ids[1]',
        message:
          'a JSON number beyond ±9007199254740991 (2^53 − 1) that is outside the INT64 range [-9223372036854775808, 9223372036854775807] or could not be read exactly; ' +
          'send INT64 values this large as decimal strings, e.g. "9223372036854775807"',
      },
    ]);
    body.inputs.ids = ['9007199254740993', 9007199254740991, '-9223372036854775808'];
    expect(decodePredictRequest(body, signature, limits).ids.data).toEqual(
      BigInt64Array.of(9007199254740993n, 9007199254740991n, -(2n ** 63n)),
    );
  });

  it('enforces the element limit over all inputs together, before allocating', () => {
    // 2×4 + 2 + 2 + 1 + 3 = 16 elements.
    expect(() => decodePredictRequest({ inputs: validInputs() }, signature, { maxElements: 16 })).not.toThrow();
    expect(problemsOf(() => decodePredictRequest({ inputs: validInputs() }, signature, { maxElements: 15 }))).toEqual([
      { field: 'inputs', message: '16 elements in all exceed the limit of 15 per request' },
    ]);
    // A ragged body may claim far more than it carries: the claim is what counts.
    const claim = [new Array(64).fill(0), ...new Array(999_999).fill([])];
    expect(problemsOf(() => decodePredictRequest({ instances: claim }, oneInput, limits))).toEqual([
      { field: 'instances', message: '64000000 elements in all exceed the limit of 10000 per request' },
    ]);
  });

  it('caps the list of problems and says more were found', () => {
    let caught: unknown;
    try {
      decodePredictRequest({ instances: [new Array(64).fill('x')] }, oneInput, limits);
    } catch (error) {
      caught = error;
    }
    const error = caught as TensorDecodeError;
    expect(error.problems).toHaveLength(20);
    expect(error.truncated).toBe(true);
    expect(error.message).toMatch(/^instances\[0\]\[0\]: expected a number, got string "x"; .*; and further problems not listed$/);
  });

  it.each([
    ['a non-object body', [1, 2], [{ field: 'body', message: 'expected a JSON object with inputs (or instances, for a model with one input)' }]],
    ['null', null, [{ field: 'body', message: 'expected a JSON object with inputs (or instances, for a model with one input)' }]],
    [
      'neither inputs nor instances',
      {},
      [{ field: 'inputs', message: 'required: an object of input name → value (or instances, for a model with one input)' }],
    ],
    ['both inputs and instances', { inputs: {}, instances: [] }, [{ field: 'instances', message: 'send one of inputs, instances, dataframe_split or dataframe_records, not both inputs and instances' }]],
    ['instances that are not an array', { instances: { input: [] } }, [{ field: 'instances', message: 'expected an array with one entry per instance' }]],
    [
      'an unknown top-level field',
      { instances: [new Array(64).fill(0)], outputs: ['output'] },
      [{ field: 'outputs', message: 'unknown field; a predict request has inputs, instances, dataframe_split or dataframe_records' }],
    ],
  ])('refuses %s', (_case, body, expected) => {
    expect(problemsOf(() => decodePredictRequest(body, oneInput, limits))).toEqual(expected);
  });

  it("takes a bare inputs value as a one-input model's input (TensorFlow Serving's columnar format)", () => {
    const row = Array.from({ length: 64 }, (_, i) => i / 2);
    const feeds = decodePredictRequest({ inputs: [row, row] }, oneInput, limits);
    expect(feeds.input.dims).toEqual([2, 64]);
    expect(Array.from(feeds.input.data as Float32Array)).toEqual([...row, ...row]);
    expect(problemsOf(() => decodePredictRequest({ inputs: [[1]] }, oneInput, limits))).toEqual([
      { field: 'inputs', message: 'dimension 1 must be 64 (shape [-1, 64]), got 1' },
    ]);
  });

  it('refuses a bare inputs value for a model with more than one input', () => {
    expect(problemsOf(() => decodePredictRequest({ inputs: [[1, 2, 3, 4]] }, signature, limits))).toEqual([
      {
        field: 'inputs',
        message: "expected an object of input name → value (a bare value is only for a model with one input; this model's inputs are x, ids, mask, scale, text)",
      },
    ]);
  });

  it('refuses instances of bare values for a model with more than one input', () => {
    expect(problemsOf(() => decodePredictRequest({ instances: [[1, 2, 3, 4]] }, signature, limits))).toEqual([
      {
        field: 'instances',
        message:
          "instances of bare values are only for a model with exactly one input; this model's inputs are x, ids, mask, scale, text: " +
          'send each instance as an object of input name → value, or send inputs',
      },
    ]);
  });

  describe('instances as objects of input name → value (the row format)', () => {
    const table: ModelSignature = {
      inputs: [
        { name: 'age', datatype: 'FP32', shape: [-1, 1] },
        { name: 'city', datatype: 'BYTES', shape: [-1, 1] },
        { name: 'x', datatype: 'FP32', shape: [-1, 2] },
      ],
      outputs: [],
    };

    it('stacks each input over the instances, as inputs would carry it', () => {
      const rows = decodePredictRequest({ instances: [{ age: 35, city: ['Oslo'], x: [1, 2] }, { age: [40], city: 'Rome', x: [3, 4] }] }, table, limits);
      expect(rows).toEqual(decodePredictRequest({ inputs: { age: [[35], [40]], city: [['Oslo'], ['Rome']], x: [[1, 2], [3, 4]] } }, table, limits));
      // A model with one input takes the row format too.
      const one = decodePredictRequest({ instances: [{ input: new Array(64).fill(1) }] }, oneInput, limits);
      expect(one.input.dims).toEqual([1, 64]);
    });

    it('names a missing or unknown input, an instance that is not an object, and a value that does not fit', () => {
      expect(problemsOf(() => decodePredictRequest({ instances: [{ age: 1, city: 'a', x: [1, 2] }, { age: 2, x: [1, 2], zip: 1 }, 3] }, table, limits))).toEqual([
        { field: 'instances[1].zip', message: 'not an input of this model; its inputs are age, city, x' },
        { field: 'instances[1].city', message: 'missing: every instance gives every input (BYTES [-1, 1])' },
        { field: 'instances[2]', message: 'expected an object of input name → value, as instances[0] is' },
      ]);
      expect(problemsOf(() => decodePredictRequest({ instances: [{ age: 1, city: 'a', x: [1, 2, 3] }] }, table, limits))).toEqual([
        { field: 'instances[*].x', message: expect.stringContaining('dimension 1 must be 2') },
      ]);
      expect(problemsOf(() => decodePredictRequest({ instances: [{ age: 1, city: 'a', x: [1, 'b'] }] }, table, limits))).toEqual([
        { field: 'instances[*].x[0][1]', message: 'expected a number, got string "b"' },
      ]);
    });
  });

  it('decodes FP16 inputs to half-precision bits', () => {
    const half: ModelSignature = { inputs: [{ name: 'h', datatype: 'FP16', shape: [2] }], outputs: [] };
    expect(decodePredictRequest({ inputs: { h: [1, -0.5] } }, half, limits).h).toMatchObject({
      type: 'float16',
      data: Uint16Array.of(0x3c00, 0xb800),
    });
  });
});

describe('encodeOutputsAsNested', () => {
  it('nests each output by its dims and gives a scalar as a bare value', () => {
    const outputs = encodeOutputsAsNested({
      y: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4, 5, 6), [3, 2]),
      s: new ort.Tensor('float64', Float64Array.of(0.5), []),
      empty: new ort.Tensor('int32', new Int32Array(0), [0, 2]),
    });
    expect(outputs).toEqual({ y: [[1, 2], [3, 4], [5, 6]], s: 0.5, empty: [] });
  });

  it('sends 64-bit integers exactly: numbers while safe, decimal strings beyond', () => {
    const outputs = encodeOutputsAsNested({
      i: new ort.Tensor('int64', BigInt64Array.of(9007199254740991n, 9007199254740993n, -(2n ** 63n), -3n), [2, 2]),
      u: new ort.Tensor('uint64', BigUint64Array.of(2n ** 64n - 1n), [1]),
    });
    expect(outputs).toEqual({ i: [[9007199254740991, '9007199254740993'], ['-9223372036854775808', -3]], u: ['18446744073709551615'] });
  });

  it('sends BOOL as booleans and BYTES as strings', () => {
    expect(
      encodeOutputsAsNested({
        b: new ort.Tensor('bool', Uint8Array.of(1, 0, 1), [3]),
        t: new ort.Tensor('string', ['x', 'y'], [1, 2]),
      }),
    ).toEqual({ b: [true, false, true], t: [['x', 'y']] });
  });

  it('sends NaN and infinities as the strings "NaN", "Infinity" and "-Infinity", so the body stays valid JSON', () => {
    const outputs = encodeOutputsAsNested({
      f: new ort.Tensor('float32', Float32Array.of(NaN, Infinity, -Infinity, 1), [2, 2]),
      h: new ort.Tensor('float16', Uint16Array.of(0x7e00, 0xfc00), [2]),
    });
    expect(outputs).toEqual({ f: [['NaN', 'Infinity'], ['-Infinity', 1]], h: ['NaN', '-Infinity'] });
    expect(JSON.parse(JSON.stringify(outputs))).toEqual(outputs);
  });
});

describe("decodePredictRequest: MLflow's dataframe forms", () => {
  const perColumn: ModelSignature = {
    inputs: [
      { name: 'age', datatype: 'FP32', shape: [-1, 1] },
      { name: 'city', datatype: 'BYTES', shape: [-1, 1] },
      { name: 'income', datatype: 'FP64', shape: [-1] },
    ],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
  };
  const threeFeatures: ModelSignature = { inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 3] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }] };

  it('gives each column to the input of its name, in any column order (dataframe_split)', () => {
    const feeds = decodePredictRequest({ dataframe_split: { index: [7, 8], columns: ['income', 'age', 'city'], data: [[1000.5, 35, 'Lyon'], [2000, 41, 'Oslo']] } }, perColumn, limits);
    expect({ age: feeds.age.dims, city: feeds.city.data, income: Array.from(feeds.income.data as Float64Array) }).toEqual({ age: [2, 1], city: ['Lyon', 'Oslo'], income: [1000.5, 2000] });
    expect(Array.from(feeds.age.data as Float32Array)).toEqual([35, 41]);
  });

  it('gives the rows, in column order, to a model with one input (dataframe_split and dataframe_records)', () => {
    const split = decodePredictRequest({ dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 2, 3], [4, 5, 6]] } }, threeFeatures, limits);
    const records = decodePredictRequest({ dataframe_records: [{ a: 1, b: 2, c: 3 }, { c: 6, b: 5, a: 4 }] }, threeFeatures, limits);
    expect(Array.from(split.float_input.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(records.float_input.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('takes records as the row format takes instance objects (dataframe_records)', () => {
    const feeds = decodePredictRequest({ dataframe_records: [{ age: 35, city: 'Lyon', income: 1 }, { age: 41, city: 'Oslo', income: 2 }] }, perColumn, limits);
    expect(feeds.city.data).toEqual(['Lyon', 'Oslo']);
  });

  it.each([
    ['a split without columns', { dataframe_split: { data: [[1, 2, 3]] } }, threeFeatures, [{ field: 'dataframe_split.columns', message: 'expected an array of distinct column names' }]],
    ['a ragged row', { dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 2, 3], [4, 5]] } }, threeFeatures, [{ field: 'dataframe_split.data[1]', message: 'expected a row of 3 values, one per column' }]],
    ['an unknown field of the split', { dataframe_split: { columns: ['a', 'b', 'c'], data: [], orient: 'split' } }, threeFeatures, [{ field: 'dataframe_split.orient', message: 'unknown field; dataframe_split has columns, data and index' }]],
    [
      'columns that are not the inputs of a model with several',
      { dataframe_split: { columns: ['age', 'town', 'income'], data: [[1, 'x', 2]] } },
      perColumn,
      [{ field: 'dataframe_split.columns', message: "the columns must be this model's inputs (age, city, income), one input per column, or the model must have one input, which takes each row" }],
    ],
    ['records that are not objects', { dataframe_records: [[1, 2, 3]] }, threeFeatures, [{ field: 'dataframe_records', message: 'expected an array of records, each an object of column name → value, as pandas writes to_dict(orient="records")' }]],
    ['a record with other columns', { dataframe_records: [{ a: 1, b: 2, c: 3 }, { a: 1, b: 2, d: 3 }] }, threeFeatures, [{ field: 'dataframe_records[1]', message: 'gives the columns a, b, d, where dataframe_records[0] gives a, b, c' }]],
    ['a record missing an input', { dataframe_records: [{ age: 35, city: 'Lyon' }] }, perColumn, [{ field: 'dataframe_records', message: "the columns must be this model's inputs (age, city, income), one input per column, or the model must have one input, which takes each row" }]],
    ['two forms at once', { dataframe_split: { columns: [], data: [] }, instances: [] }, threeFeatures, [{ field: 'dataframe_split', message: 'send one of inputs, instances, dataframe_split or dataframe_records, not both instances and dataframe_split' }]],
  ])('refuses %s, naming it (first)', (_case, body, signature, expected) => {
    expect(problemsOf(() => decodePredictRequest(body, signature, limits)).slice(0, expected.length)).toEqual(expected);
  });

  it('names an element by its row and column', () => {
    expect(problemsOf(() => decodePredictRequest({ dataframe_split: { columns: ['income', 'age', 'city'], data: [[1, 35, 'Lyon'], [2, 'x', 'Oslo']] } }, perColumn, limits))).toEqual([
      { field: 'dataframe_split.data[*].age[1][0]', message: 'expected a number, got string "x"' },
    ]);
    expect(problemsOf(() => decodePredictRequest({ dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 2, 3], [4, true, 6]] } }, threeFeatures, limits))).toEqual([
      { field: 'dataframe_split.data[1][1]', message: 'expected a number, got true' },
    ]);
  });
});
