import { parseModelSearch, parseVersionSearch } from './search-query';

function fieldsRefused(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    return ((error as { errors?: Array<{ field: string }> }).errors ?? []).map((e) => e.field);
  }
  throw new Error('expected the query to be refused');
}

describe('parseVersionSearch', () => {
  it('defaults to the newest 50 versions', () => {
    expect(parseVersionSearch({})).toEqual({
      limit: 50,
      cursor: undefined,
      statuses: [],
      approvals: [],
      tags: {},
      metrics: [],
      createdAfter: undefined,
      createdBefore: undefined,
      order: { by: 'version' },
      direction: 'desc',
    });
  });

  it('reads every filter and ordering', () => {
    const search = parseVersionSearch({
      limit: '10',
      status: 'ready,failed',
      approval: 'approved',
      'tag.team': 'risk',
      'tag.stage': 'prod',
      'metric.rmse_lt': '0.3',
      'metric.auc_gte': '-1e-2',
      created_after: '2026-01-01T00:00:00Z',
      created_before: '2026-02-01T00:00:00.5+01:00',
      order_by: 'metric.rmse',
      order: 'asc',
    });
    expect(search).toEqual({
      limit: 10,
      cursor: undefined,
      statuses: ['ready', 'failed'],
      approvals: ['approved'],
      tags: { team: 'risk', stage: 'prod' },
      metrics: [
        { metric: 'rmse', comparison: 'lt', value: 0.3 },
        { metric: 'auc', comparison: 'gte', value: -0.01 },
      ],
      createdAfter: new Date('2026-01-01T00:00:00Z'),
      createdBefore: new Date('2026-01-31T23:00:00.500Z'),
      order: { by: 'metric', metric: 'rmse' },
      direction: 'asc',
    });
  });

  it.each([
    [{ colour: 'red' }, ['colour']],
    [{ 'metric.rmse_lt': 'low' }, ['metric.rmse_lt']],
    [{ 'metric.rmse_lt': '' }, ['metric.rmse_lt']],
    [{ 'metric.rmse_lt': 'Infinity' }, ['metric.rmse_lt']],
    [{ 'metric.rmse': '0.3' }, ['metric.rmse']],
    [{ "metric.r'x_lt": '1' }, ["metric.r'x_lt"]],
    [{ status: 'ready,gone' }, ['status']],
    [{ approval: 'maybe' }, ['approval']],
    [{ order_by: 'size' }, ['order_by']],
    [{ order_by: "metric.a'b" }, ['order_by']],
    [{ order: 'up' }, ['order']],
    [{ created_after: 'yesterday' }, ['created_after']],
    [{ limit: '0' }, ['limit']],
    [{ limit: '201' }, ['limit']],
    [{ 'tag.': 'x' }, ['tag.']],
    [{ 'tag.team': ['a', 'b'] }, ['tag.team']],
    [{ order: 'up', nope: '1' }, ['order', 'nope']],
  ])('refuses %j naming %j', (query, fields) => {
    expect(fieldsRefused(() => parseVersionSearch(query))).toEqual(fields);
  });
});

describe('parseModelSearch', () => {
  it('reads a text and tags', () => {
    expect(parseModelSearch({ q: 'fraud', 'tag.team': 'risk', limit: '5' })).toEqual({ limit: 5, cursor: undefined, tags: { team: 'risk' }, text: 'fraud' });
  });

  it('refuses version filters and unknown parameters', () => {
    expect(fieldsRefused(() => parseModelSearch({ status: 'ready', q: '' }))).toEqual(['q', 'status']);
  });
});
