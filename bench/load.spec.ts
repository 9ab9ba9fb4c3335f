import { combine, connectionKeySlice, type LoadOutcome, pooled, summarise } from './load';

describe('connectionKeySlice', () => {
  const sent = (keys: number, connections: number) =>
    Array.from({ length: connections }, (_, connection) => {
      const { start, end } = connectionKeySlice(keys, connections, connection);
      return Array.from({ length: end - start }, (__, i) => start + i);
    });

  it.each([
    [1000, 32],
    [1000, 8],
    [1000, 1],
    [1000, 1000],
    [7, 3],
  ])('splits %i keys over %i connections: each key sent by exactly one, none left without keys', (keys, connections) => {
    const slices = sent(keys, connections);
    expect(slices.every((slice) => slice.length >= Math.floor(keys / connections) && slice.length <= Math.ceil(keys / connections))).toBe(true);
    expect(slices.flat()).toEqual(Array.from({ length: keys }, (_, key) => key));
  });

  it('gives connections beyond the keys one key each, every key still sent', () => {
    const slices = sent(3, 8);
    expect(slices.every((slice) => slice.length === 1)).toBe(true);
    expect(new Set(slices.flat())).toEqual(new Set([0, 1, 2]));
  });
});

describe('combine and pooled', () => {
  const run = (label: string, rps: number, histogram: Array<[number, number]>, extra: Partial<LoadOutcome> = {}): LoadOutcome => {
    const ok = histogram.reduce((sum, [, n]) => sum + n, 0);
    return { label, connections: 8, duration_s: 10, ok, non2xx: 0, errors: 0, timeouts: 0, status_codes: { 200: ok }, rps, latency: summarise(histogram), load_cpu_s: 1, histogram, ...extra };
  };
  const first = run('a', 100, [[1000, 900], [5000, 100]]);
  const second = run('b', 300, [[2000, 2900], [9000, 100]], { non2xx: 2, status_codes: { 200: 3000, 503: 2 } });

  it('adds up runs that ran at the same time: their rates, connections and requests, their latencies merged', () => {
    const together = combine('both', [first, second]);
    expect(together).toMatchObject({ label: 'both', connections: 16, duration_s: 10, ok: 4000, non2xx: 2, rps: 400, load_cpu_s: 2, status_codes: { 200: 4000, 503: 2 } });
    expect(together.latency).toMatchObject({ count: 4000, p50_ms: 2, p99_ms: 9 });
  });

  it('takes runs one after another as one: their requests and latencies pooled, their rate the mean, their time the sum', () => {
    const inTurn = pooled('in turn', [first, second]);
    expect(inTurn).toMatchObject({ label: 'in turn', connections: 8, duration_s: 20, ok: 4000, non2xx: 2, rps: 200, load_cpu_s: 2 });
    expect(inTurn.latency).toEqual(combine('both', [first, second]).latency);
  });
});
