import { MetricsRegistry } from './metrics';

/** `http_request_duration_seconds`' count and sum of each series, by its labels as the text shows them. */
async function requestSeries(metrics: MetricsRegistry): Promise<Record<string, { count: number; sum: number }>> {
  const series: Record<string, { count: number; sum: number }> = {};
  for (const line of (await metrics.scrape()).split('\n')) {
    const match = /^http_request_duration_seconds_(count|sum)\{(.*)\} (\S+)$/.exec(line);
    if (!match) continue;
    series[match[2]] ??= { count: 0, sum: 0 };
    series[match[2]][match[1] as 'count' | 'sum'] = Number(match[3]);
  }
  return series;
}

describe('MetricsRegistry.observeRequest', () => {
  it('keeps one series per route, method and status, each adding up only its own requests', async () => {
    const metrics = new MetricsRegistry();
    const route = '/v1/models/:name/predict';
    metrics.observeRequest('POST', route, 200, 0.002);
    metrics.observeRequest('POST', route, 200, 0.004);
    metrics.observeRequest('POST', route, 400, 0.001);
    metrics.observeRequest('GET', route, 200, 0.5);
    metrics.observeRequest('POST', '/v1/models/:name/feedback', 200, 0.25);
    // The same values as new string objects, as a later request brings them: still the same series.
    metrics.observeRequest(['PO', 'ST'].join(''), ['/v1/models/:name', '/predict'].join(''), 200, 0.008);
    metrics.observeRequest('GET', 'unmatched', 404, 0.125);

    expect(await requestSeries(metrics)).toEqual({
      [`method="POST",route="${route}",status="200"`]: { count: 3, sum: 0.014 },
      [`method="POST",route="${route}",status="400"`]: { count: 1, sum: 0.001 },
      [`method="GET",route="${route}",status="200"`]: { count: 1, sum: 0.5 },
      'method="POST",route="/v1/models/:name/feedback",status="200"': { count: 1, sum: 0.25 },
      'method="GET",route="unmatched",status="404"': { count: 1, sum: 0.125 },
    });
  });
});
