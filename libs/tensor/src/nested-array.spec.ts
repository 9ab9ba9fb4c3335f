import { codecForDatatype } from './element-codec';
import { inferNestedShape, readNested, writeNested } from './nested-array';
import { ProblemList, TensorDecodeError, type TensorProblem } from './tensor-decode-error';

function fill(value: unknown, dims: number[], datatype = 'FP32') {
  const codec = codecForDatatype(datatype);
  const target = codec.allocate(dims.reduce((product, size) => product * size, 1));
  const problems = new ProblemList();
  writeNested(value, dims, codec, target, 'inputs.x', problems);
  let reported: TensorProblem[] = [];
  try {
    problems.throwIfAny();
  } catch (error) {
    if (!(error instanceof TensorDecodeError)) throw error;
    reported = error.problems;
  }
  return { target, problems: reported };
}

describe('inferNestedShape', () => {
  it('reads the shape down the first element of each level', () => {
    expect(inferNestedShape(5)).toEqual([]);
    expect(inferNestedShape('text')).toEqual([]);
    expect(inferNestedShape([1, 2, 3])).toEqual([3]);
    expect(inferNestedShape([[1, 2, 3], [4, 5, 6]])).toEqual([2, 3]);
    expect(inferNestedShape([[[1], [2]]])).toEqual([1, 2, 1]);
    expect(inferNestedShape([])).toEqual([0]);
    expect(inferNestedShape([[], []])).toEqual([2, 0]);
  });
});

describe('writeNested', () => {
  it('writes nested rows in row-major order', () => {
    const { target, problems } = fill([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]], [2, 3, 2]);
    expect(problems).toEqual([]);
    expect(target).toEqual(Float32Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('writes a scalar from a bare value and names only the field when it is refused', () => {
    expect(fill(2.5, []).target).toEqual(Float32Array.of(2.5));
    expect(fill('2.5', []).problems).toEqual([{ field: 'inputs.x', message: 'expected a number, got string "2.5"' }]);
  });

  it('names the path of a ragged row and of a non-array where a row belongs', () => {
    expect(fill([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3]], [4, 4]).problems).toEqual([
      { field: 'inputs.x[3]', message: 'expected 4 elements, got 3' },
    ]);
    expect(fill([[1, 2], 7], [2, 2]).problems).toEqual([
      { field: 'inputs.x[1]', message: 'expected an array of 2 elements, got number 7' },
    ]);
    expect(fill([[[1], [2]], [[3], [4, 5]]], [2, 2, 1]).problems).toEqual([
      { field: 'inputs.x[1][1]', message: 'expected 1 element, got 2' },
    ]);
  });

  it('names each refused element by its full path, several in one row', () => {
    expect(fill([[1, 2], ['a', 4], [5, null]], [3, 2]).problems).toEqual([
      { field: 'inputs.x[1][0]', message: 'expected a number, got string "a"' },
      { field: 'inputs.x[2][1]', message: 'expected a number, got null' },
    ]);
    expect(fill([1, 'b', 'c'], [3]).problems.map((problem) => problem.field)).toEqual(['inputs.x[1]', 'inputs.x[2]']);
  });

  it('stops at the problem cap instead of walking the whole body', () => {
    const { problems } = fill(new Array(1000).fill('x'), [1000]);
    expect(problems).toHaveLength(20);
    expect(problems[19].field).toBe('inputs.x[19]');
  });
});

describe('readNested', () => {
  it('rebuilds nested arrays from row-major data', () => {
    const codec = codecForDatatype('INT32');
    expect(readNested(codec, Int32Array.of(1, 2, 3, 4, 5, 6), [2, 3])).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(readNested(codec, Int32Array.of(1, 2, 3, 4, 5, 6), [3, 1, 2])).toEqual([[[1, 2]], [[3, 4]], [[5, 6]]]);
    expect(readNested(codec, Int32Array.of(7), [])).toBe(7);
    expect(readNested(codec, new Int32Array(0), [0, 3])).toEqual([]);
    expect(readNested(codec, new Int32Array(0), [2, 0])).toEqual([[], []]);
  });
});
