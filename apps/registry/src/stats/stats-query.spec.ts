import { DomainError } from '@switchyard/errors';
import { parseStatsQuery } from './stats-query';

const NOW = new Date('2026-11-24T12:00:00Z');

function problemsOf(query: Record<string, string>): string[] {
  try {
    parseStatsQuery(query, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).errors!.map((e) => e.field);
  }
  throw new Error('expected a validation problem');
}

describe('parseStatsQuery', () => {
  it('defaults to the last 24 hours, a reference window just before it, and about 120 points', () => {
    const window = parseStatsQuery({}, NOW);
    expect(window.from.toISOString()).toBe('2026-11-23T12:00:00.000Z');
    expect(window.to).toEqual(NOW);
    expect(window.reference).toEqual({ from: new Date('2026-11-22T12:00:00Z'), to: new Date('2026-11-23T12:00:00Z') });
    expect(window.stepSeconds).toBe(720);
  });

  it('takes explicit times with offsets, a reference window and a step', () => {
    const window = parseStatsQuery({ from: '2026-11-24T10:00:00+01:00', to: '2026-11-24T10:30:00Z', reference_from: '2026-11-01T00:00:00Z', reference_to: '2026-11-02T00:00:00Z', step: '300' }, NOW);
    expect(window.from.toISOString()).toBe('2026-11-24T09:00:00.000Z');
    expect(window.reference.from.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(window.stepSeconds).toBe(300);
  });

  it('never uses a step under a minute', () => {
    expect(parseStatsQuery({ from: '2026-11-24T11:50:00Z', to: '2026-11-24T12:00:00Z' }, NOW).stepSeconds).toBe(60);
  });

  it.each([
    [{ from: '2026-11-24T12:00:00Z', to: '2026-11-24T11:00:00Z' }, ['from']],
    [{ from: '2026-11-24T12:00:00Z', to: '2026-11-24T12:00:00Z' }, ['from']],
    [{ from: 'yesterday' }, ['from']],
    [{ to: '2026-11-24' }, ['to']],
    [{ to: '2026-13-40T00:00:00Z' }, ['to']],
    [{ from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, ['from']],
    [{ reference_from: '2026-11-01T00:00:00Z' }, ['reference_to']],
    [{ reference_from: '2026-11-02T00:00:00Z', reference_to: '2026-11-01T00:00:00Z' }, ['reference_from']],
    [{ step: '90' }, ['step']],
    [{ step: 'ten' }, ['step']],
  ])('refuses %j', (query, fields) => {
    expect(problemsOf(query)).toEqual(fields);
  });
});
