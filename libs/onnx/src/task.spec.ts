import { inferTask } from './task';

const withOutput = (datatype: string, shape: number[]) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype, shape }] });

describe('inferTask', () => {
  it.each([
    ['FP32', [-1, 1], 'regression'],
    ['FP32', [-1], 'regression'],
    ['FP64', [], 'regression'],
    ['FP32', [-1, -1], 'regression'],
    ['FP32', [-1, 10], 'classification'],
    ['INT64', [-1], 'classification'],
    ['BYTES', [-1], 'classification'],
    ['BOOL', [-1, 1], 'classification'],
  ])('%s %j → %s', (datatype, shape, task) => {
    expect(inferTask(withOutput(datatype, shape))).toBe(task);
  });

  it('calls a model without a known signature a regression', () => {
    expect(inferTask(null)).toBe('regression');
  });
});
