import { MAX_EXAMPLE_DEPTH, MAX_EXAMPLE_ELEMENTS, predictBodyShapeProblems } from './predict-body-shape';

const FIELD = 'metadata.input_example';
const fieldsOf = (body: unknown) => predictBodyShapeProblems(body, FIELD).map((problem) => problem.field);

describe('predictBodyShapeProblems', () => {
  it.each([
    ['named inputs', { inputs: { x: [[1, 2], [3, 4]], mask: [true, false], text: ['a', 'b'] } }],
    ['instances', { instances: [[0.5, 1], [2, 3]] }],
    ['a scalar input', { inputs: { scale: 2 } }],
    ['instances as objects of input name → value', { instances: [{ age: 35, x: [1, 2] }, { x: [3, 4], age: 40 }] }],
    ["a bare inputs value (a model with one input, TensorFlow Serving's columnar form)", { inputs: [[1, 2]] }],
    ["MLflow's dataframe_split", { dataframe_split: { columns: ['age', 'city'], data: [[35, 'Lyon'], [41, 'Oslo']], index: [0, 1] } }],
    ["MLflow's dataframe_records", { dataframe_records: [{ age: 35, city: 'Lyon' }, { city: 'Oslo', age: 41 }] }],
  ])('accepts %s', (_case, body) => {
    expect(predictBodyShapeProblems(body, FIELD)).toEqual([]);
  });

  it.each([
    ['not an object', [1, 2], [FIELD]],
    ['null', null, [FIELD]],
    ['neither inputs nor instances', { rows: [[1]] }, [`${FIELD}.rows`, FIELD]],
    ['both inputs and instances', { inputs: { x: [1] }, instances: [[1]] }, [FIELD]],
    ['inputs that are a ragged array', { inputs: [[1, 2], [3]] }, [`${FIELD}.inputs[1]`]],
    ['two forms at once', { instances: [[1]], dataframe_records: [{ a: 1 }] }, [FIELD]],
    ['a split with repeated columns', { dataframe_split: { columns: ['a', 'a'], data: [[1, 2]] } }, [`${FIELD}.dataframe_split.columns`]],
    ['a split with no rows', { dataframe_split: { columns: ['a'], data: [] } }, [`${FIELD}.dataframe_split.data`]],
    ['a split row of the wrong length', { dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3]] } }, [`${FIELD}.dataframe_split.data[1]`]],
    ['a bad split cell', { dataframe_split: { columns: ['a', 'b'], data: [[1, {}]] } }, [`${FIELD}.dataframe_split.data[0][1]`]],
    ['records naming other columns', { dataframe_records: [{ a: 1 }, { b: 1 }] }, [`${FIELD}.dataframe_records[1]`]],
    ['records that are not objects', { dataframe_records: [[1]] }, [`${FIELD}.dataframe_records`]],
    ['inputs with no input', { inputs: {} }, [`${FIELD}.inputs`]],
    ['instances that are not an array', { instances: 3 }, [`${FIELD}.instances`]],
    ['an object value', { inputs: { x: { a: 1 } } }, [`${FIELD}.inputs.x`]],
    ['a null value', { inputs: { x: null } }, [`${FIELD}.inputs.x`]],
    ['an object inside the arrays', { inputs: { x: [[1], [{}]] } }, [`${FIELD}.inputs.x[1][0]`]],
    ['an empty array', { inputs: { x: [] } }, [`${FIELD}.inputs.x`]],
    ['ragged rows', { instances: [[1, 2], [3]] }, [`${FIELD}.instances[1]`]],
    ['instances as objects naming other inputs', { instances: [{ a: 1 }, { b: 1 }] }, [`${FIELD}.instances[1]`]],
    ['an instance that is not an object among objects', { instances: [{ a: 1 }, [1]] }, [`${FIELD}.instances[1]`]],
    ['an empty instance object', { instances: [{}] }, [`${FIELD}.instances[0]`]],
    ['a bad value in an instance object', { instances: [{ a: [1, [2]] }] }, [`${FIELD}.instances[0].a[1]`]],
  ])('refuses %s, naming the field', (_case, body, fields) => {
    expect(fieldsOf(body)).toEqual(fields);
  });

  it('says what was wrong', () => {
    expect(predictBodyShapeProblems({ inputs: { x: { a: 1 } } }, FIELD)).toEqual([
      { field: `${FIELD}.inputs.x`, message: 'expected nested arrays of numbers, strings or booleans, got an object' },
    ]);
  });

  it('bounds depth and size', () => {
    let deep: unknown = [1];
    for (let depth = 0; depth < MAX_EXAMPLE_DEPTH; depth++) deep = [deep];
    expect(fieldsOf({ inputs: { x: deep } })).toHaveLength(1);
    const large = { instances: Array.from({ length: MAX_EXAMPLE_ELEMENTS + 1 }, () => 0) };
    expect(predictBodyShapeProblems(large, FIELD)).toEqual([
      { field: FIELD, message: `holds ${MAX_EXAMPLE_ELEMENTS + 1} values; an example may hold at most ${MAX_EXAMPLE_ELEMENTS}` },
    ]);
  });
});
