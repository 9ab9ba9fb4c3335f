import { DomainError } from '../../../../libs/errors/src';
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
  ])('refuses %s naming %j', (raw, fields) => {
    expect(fieldsOf(raw)).toEqual(fields);
  });

  it('stores SQL and path characters verbatim', () => {
    const raw = JSON.stringify({ description: "'; DROP TABLE models; -- ../../etc/passwd %00" });
    expect(parseVersionMetadata(raw).description).toBe("'; DROP TABLE models; -- ../../etc/passwd %00");
  });
});
