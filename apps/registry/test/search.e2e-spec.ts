import { call, expectProblem } from '../../../test/support/client';
import { modelWithVersions, setVersionStatus } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { uniqueSuffix } from '../../../test/support/test-env';

describe('search: versions by status, tag, metric and time; models by tag and text', () => {
  let registry: RunningApp;
  let model: string;
  beforeAll(async () => {
    registry = await startRegistry(fileStoreEnv());
    model = await modelWithVersions(registry.url, 6, 'search');
    const rmse = [0.5, 0.25, 0.4, 0.1, undefined, 0.25];
    for (let v = 1; v <= 6; v++) {
      const metrics = rmse[v - 1] === undefined ? {} : { rmse: rmse[v - 1] };
      const patched = await call(`${registry.url}/v1/models/${model}/versions/${v}`, {
        method: 'PATCH',
        json: { tags: { team: v % 2 ? 'risk' : 'growth' }, metrics },
      });
      expect(patched.status).toBe(200);
    }
    for (const v of [2, 3, 4, 6]) await setVersionStatus(model, v, 'ready');
    await setVersionStatus(model, 5, 'failed');
  });
  afterAll(() => registry.close());

  const search = (query: string) => call(`${registry.url}/v1/models/${model}/versions?${query}`);
  const versions = async (query: string) => {
    const answer = await search(query);
    expect(answer.status).toBe(200);
    return answer.body.items.map((v: { version: number }) => v.version);
  };

  it('filters by status, tag and metric bounds, newest first by default', async () => {
    expect(await versions('')).toEqual([6, 5, 4, 3, 2, 1]);
    expect(await versions('status=ready')).toEqual([6, 4, 3, 2]);
    expect(await versions('status=failed,pending')).toEqual([5, 1]);
    expect(await versions('tag.team=risk')).toEqual([5, 3, 1]);
    expect(await versions('metric.rmse_lt=0.3')).toEqual([6, 4, 2]);
    expect(await versions('metric.rmse_lte=0.4&metric.rmse_gt=0.1&tag.team=growth')).toEqual([6, 2]);
    expect(await versions('status=ready&tag.team=risk&metric.rmse_gte=0.4')).toEqual([3]);
  });

  it('orders by a metric (versions without it left out), ties broken by version, and pages without skipping', async () => {
    expect(await versions('order_by=metric.rmse&order=asc')).toEqual([4, 2, 6, 3, 1]);
    expect(await versions('order_by=metric.rmse')).toEqual([1, 3, 6, 2, 4]);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await search(`order_by=metric.rmse&order=asc&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((v: { version: number }) => v.version));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([4, 2, 6, 3, 1]);
  });

  it('orders and filters by creation time, and pages by it', async () => {
    const all = (await search('order_by=created_at&order=asc')).body.items;
    expect(all.map((v: { version: number }) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
    const after = all[2].created_at;
    expect(await versions(`created_after=${encodeURIComponent(after)}&order_by=created_at&order=asc`)).toEqual([4, 5, 6]);
    expect(await versions(`created_before=${encodeURIComponent(after)}`)).toEqual([2, 1]);
    const first = await search('order_by=created_at&limit=4');
    const second = await search(`order_by=created_at&limit=4&cursor=${first.body.next_cursor}`);
    expect([...first.body.items, ...second.body.items].map((v: { version: number }) => v.version)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(second.body.next_cursor).toBeNull();
  });

  it.each([
    ['an unknown filter', 'colour=red', 'colour'],
    ['an unknown ordering', 'order_by=size', 'order_by'],
    ['an unknown direction', 'order=sideways', 'order'],
    ['a metric bound that is not a number', 'metric.rmse_lt=low', 'metric.rmse_lt'],
    ['a metric filter without a comparison', 'metric.rmse=0.3', 'metric.rmse'],
    ['an unknown status', 'status=deleted', 'status'],
    ['a time that is not RFC 3339', 'created_after=yesterday', 'created_after'],
    ['a cursor from another ordering', 'order_by=created_at&cursor=eyJhZnRlciI6M30', 'cursor'],
    ['an injection attempt in a metric name', "order_by=metric.x'%3Bdrop", 'order_by'],
  ])('refuses %s with 400 naming the parameter', async (_label, query, field) => {
    const problem = expectProblem(await search(query), 400);
    expect(problem.errors).toEqual([expect.objectContaining({ field })]);
  });

  it('finds models by tag and by a substring of the name or description, wildcards taken literally', async () => {
    const suffix = uniqueSuffix();
    const create = (name: string, description: string, tags: Record<string, string>) =>
      call(`${registry.url}/v1/models`, { method: 'POST', json: { name, description, tags } });
    await create(`fraud-${suffix}`, 'card fraud', { team: `risk-${suffix}` });
    await create(`churn-${suffix}`, 'who leaves; 100% sure', { team: `growth-${suffix}` });
    await create(`other-${suffix}`, 'nothing', { team: `risk-${suffix}`, stage: 'prod' });
    const names = async (query: string) => {
      const answer = await call(`${registry.url}/v1/models?${query}`);
      expect(answer.status).toBe(200);
      return answer.body.items.map((m: { name: string }) => m.name);
    };
    expect(await names(`tag.team=risk-${suffix}`)).toEqual([`fraud-${suffix}`, `other-${suffix}`]);
    expect(await names(`tag.team=risk-${suffix}&tag.stage=prod`)).toEqual([`other-${suffix}`]);
    expect(await names(`q=FRAUD-${suffix}`)).toEqual([`fraud-${suffix}`]);
    expect(await names(`q=${suffix}&tag.team=growth-${suffix}`)).toEqual([`churn-${suffix}`]);
    expect(await names(`q=${encodeURIComponent('100%')}`)).toEqual([`churn-${suffix}`]);
    expect(await names(`q=${encodeURIComponent('%')}&tag.team=risk-${suffix}`)).toEqual([]);
    expect(expectProblem(await call(`${registry.url}/v1/models?status=ready`), 400).errors).toEqual([expect.objectContaining({ field: 'status' })]);
  });
});
