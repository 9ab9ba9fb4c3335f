import * as production from './index';
import * as testing from './testing';

describe('libs/onnx entries', () => {
  it('keeps the test-only builders and generator out of the production index', () => {
    expect(Object.keys(production).filter((name) => name in testing)).toEqual([]);
  });

  it('still offers them from the testing entry', () => {
    expect(typeof testing.buildAffine).toBe('function');
    expect(typeof testing.mulberry32).toBe('function');
  });
});
