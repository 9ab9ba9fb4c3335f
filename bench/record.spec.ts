import type { LoadOutcome } from './load';
import { failedRequests, servedEverything } from './record';

function outcome(counts: Partial<Pick<LoadOutcome, 'ok' | 'non2xx' | 'errors' | 'timeouts' | 'status_codes'>>): LoadOutcome {
  return {
    label: 'run',
    connections: 1,
    duration_s: 1,
    ok: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    status_codes: {},
    rps: 0,
    latency: { count: 0, mean_ms: 0, p50_ms: 0, p90_ms: 0, p99_ms: 0, p99_9_ms: 0, max_ms: 0 },
    load_cpu_s: 0,
    histogram: [],
    ...counts,
  };
}

describe("a run's failures", () => {
  it('names non-2xx answers and errors, and a run that got no answer at all', () => {
    expect(servedEverything(outcome({ ok: 10 }), 'run 1')).toEqual([]);
    expect(servedEverything(outcome({ ok: 10, non2xx: 2, status_codes: { 200: 10, 503: 2 } }), 'run 1')).toEqual(['run 1: 2 non-2xx ({"200":10,"503":2})']);
    expect(servedEverything(outcome({ ok: 0, errors: 3, timeouts: 1 }), 'run 1')).toEqual(['run 1: 3 errors (1 timeouts)', 'run 1: no request was served']);
    expect(servedEverything(outcome({ ok: 0 }), 'run 1')).toEqual(['run 1: no request was served']);
  });

  it('counts only requests that failed for a background load, which may get no answer in a short window', () => {
    expect(failedRequests(outcome({ ok: 0 }), 'heavy')).toEqual([]);
    expect(failedRequests(outcome({ ok: 0, non2xx: 1, status_codes: { 503: 1 } }), 'heavy')).toEqual(['heavy: 1 non-2xx ({"503":1})']);
    expect(failedRequests(outcome({ ok: 5, errors: 2, timeouts: 2 }), 'heavy')).toEqual(['heavy: 2 errors (2 timeouts)']);
  });
});
