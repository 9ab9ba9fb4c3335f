import { DomainError } from '@switchyard/errors';
import { editVersionMetadata, parseVersionMetadata } from './version-metadata';

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

describe('editVersionMetadata', () => {
  const current = { description: 'old', tags: { team: 'risk', stage: 'dev' }, metrics: { rmse: 0.3 }, source: 'git:abc' };

  it('replaces the description, merges tags (null removes one) and adds metrics, leaving source alone', () => {
    const edit = editVersionMetadata(current, { description: 'new', tags: { stage: null, owner: 'ana' }, metrics: { mae: 0.2 } });
    expect(edit.changed).toBe(true);
    expect(edit.metadata).toEqual({ description: 'new', tags: { team: 'risk', owner: 'ana' }, metrics: { rmse: 0.3, mae: 0.2 }, source: 'git:abc' });
    expect(edit.before).toEqual({ description: 'old', tags: { team: 'risk', stage: 'dev' }, metrics: { rmse: 0.3 } });
    expect(edit.after).toEqual({ description: 'new', tags: { team: 'risk', owner: 'ana' }, metrics: { rmse: 0.3, mae: 0.2 } });
  });

  it('reports no change when everything sent is already so (a metric re-sent with its value included)', () => {
    const edit = editVersionMetadata(current, { description: 'old', tags: { team: 'risk' }, metrics: { rmse: 0.3 } });
    expect(edit).toMatchObject({ changed: false, before: {}, after: {} });
  });

  it('refuses to rewrite a metric, naming it, and changes nothing', () => {
    const copy = structuredClone(current);
    expect(() => editVersionMetadata(copy, { description: 'x', metrics: { rmse: 0.1, mae: 0.2 } })).toThrow(
      expect.objectContaining({ code: 'METRIC_ALREADY_SET', errors: [{ field: 'metrics.rmse', message: 'already set to 0.3' }] }),
    );
    expect(copy).toEqual(current);
  });
});
