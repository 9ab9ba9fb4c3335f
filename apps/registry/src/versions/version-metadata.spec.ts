import { DomainError } from '@switchyard/errors';
import { parseVersionMetadata } from './version-metadata';

function fieldsOf(raw: string): string[] {
  try {
    parseVersionMetadata(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return ((error as DomainError).errors ?? []).map((e) => e.field);
  }
  throw new Error(`expected ${raw} to be refused`);
}

describe('parseVersionMetadata', () => {
  it('accepts the documented fields', () => {
    const raw = '{"description":"d","tags":{"a":"b"},"metrics":{"rmse":0.31},"source":"git:abc"}';
    expect(parseVersionMetadata(raw)).toEqual(JSON.parse(raw));
    expect(parseVersionMetadata('{}')).toEqual({});
  });

  it.each([
    ['not json', ['metadata']],
    ['[1,2]', ['metadata']],
    ['"text"', ['metadata']],
    ['null', ['metadata']],
    ['{"metrics":{"rmse":"low"}}', ['metadata.metrics']],
    ['{"tags":{"a":1}}', ['metadata.tags']],
    ['{"description":5}', ['metadata.description']],
    ['{"params":{}}', ['metadata.params']],
    ['{"input_example":[[1,2]]}', ['metadata.input_example']],
    ['{"input_example":{"rows":[[1]]}}', ['metadata.input_example.rows', 'metadata.input_example']],
    ['{"input_example":{"inputs":{"x":{"a":1}}}}', ['metadata.input_example.inputs.x']],
    ['{"input_example":{"instances":[[1,2],[3]]}}', ['metadata.input_example.instances[1]']],
  ])('refuses %s naming %j', (raw, fields) => {
    expect(fieldsOf(raw)).toEqual(fields);
  });

  it('accepts an input example in either form of a predict body', () => {
    for (const input_example of [{ inputs: { x: [[1, 2, 3]] } }, { instances: [[0.5, 1]] }]) {
      expect(parseVersionMetadata(JSON.stringify({ description: 'd', input_example }))).toEqual({ description: 'd', input_example });
    }
  });

  it('stores SQL and path characters verbatim', () => {
    const raw = JSON.stringify({ description: "'; DROP TABLE models; -- ../../etc/passwd %00" });
    expect(parseVersionMetadata(raw).description).toBe("'; DROP TABLE models; -- ../../etc/passwd %00");
  });
});
