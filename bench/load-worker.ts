import type { AutocannonSummary, LoadOutcome, LoadSpec } from './load';
import { connectionKeySlice, summarise } from './load';

/**
 * A load generator in its own process (forked by bench/load.ts): waits for `start`, runs autocannon
 * (a discarded warm-up run, then the measured run), and sends back the outcome.
 *
 * Latency comes from autocannon's per-response `response` event (its hrtime-based response time, in ms
 * with sub-µs digits), kept at µs resolution for 2xx responses, the ones autocannon's histogram counts:
 * autocannon 9 records its own histogram in whole milliseconds, so its p50/p99 on loopback are 0 or 1.
 */

interface AutocannonInstance extends PromiseLike<AutocannonSummary> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
  stop(): void;
}
type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;
// autocannon ships no types; it is used as a library, as its README shows.
const autocannon = require('autocannon') as Autocannon;

function options(spec: LoadSpec, durationS: number): Record<string, unknown> {
  const headers = { ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}), ...spec.headers };
  const body = spec.bodyBase64 !== undefined ? Buffer.from(spec.bodyBase64, 'base64') : spec.body;
  const base = { method: spec.method ?? 'POST', path: spec.path, headers, body };
  // Each connection cycles through its own slice of the routing keys, its requests prebuilt (no
  // per-request setupRequest). autocannon clones its options and builds every request of the list for
  // each connection, at the start of the measured run: the whole list of 1,000 keys on each of 32
  // connections was 64,000 requests built (and as many buffers collected) on the cores being measured.
  const keyed = (key: number) => ({ ...base, headers: { ...headers, 'x-routing-key': `bench-key-${key}` } });
  let connection = 0;
  const setupClient = (client: { setRequests(requests: unknown[]): void }) => {
    const { start, end } = connectionKeySlice(spec.routingKeys!, spec.connections, connection++);
    client.setRequests(Array.from({ length: end - start }, (_, i) => keyed(start + i)));
  };
  const requests = spec.routingKeys ? { requests: [keyed(0)], setupClient } : { requests: [base] };
  const rate = spec.ratePerSecond === undefined ? {} : { overallRate: spec.ratePerSecond };
  return { url: spec.url, connections: spec.connections, duration: durationS, pipelining: 1, timeout: 10, ...requests, ...rate };
}

async function run(spec: LoadSpec): Promise<LoadOutcome> {
  if (spec.warmupS > 0) await autocannon(options(spec, spec.warmupS));
  const histogram = new Map<number, number>();
  process.send!({ type: 'measuring' });
  const cpuAtStart = process.cpuUsage();
  const instance = autocannon(options(spec, spec.durationS));
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode < 200 || statusCode >= 300) return;
    const us = Math.round(responseTimeMs * 1000);
    histogram.set(us, (histogram.get(us) ?? 0) + 1);
  });
  const result = await instance;
  const cpu = process.cpuUsage(cpuAtStart);
  const entries = [...histogram.entries()];
  const codes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) codes[code] = count;
  const ok = result['2xx'];
  const summary: AutocannonSummary = {
    duration: result.duration,
    connections: result.connections,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    resets: result.resets,
    '2xx': ok,
    statusCodeStats: result.statusCodeStats,
    requests: result.requests,
    latency: result.latency,
    throughput: result.throughput,
  };
  return {
    label: spec.label,
    connections: spec.connections,
    duration_s: result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    status_codes: codes,
    rps: Number((ok / result.duration).toFixed(1)),
    latency: summarise(entries),
    load_cpu_s: (cpu.user + cpu.system) / 1e6,
    autocannon: summary,
    histogram: entries,
  };
}

process.on('message', (message: { type: string; spec: LoadSpec }) => {
  if (message.type !== 'start') return;
  run(message.spec).then(
    (outcome) => process.send!({ type: 'result', outcome }, () => process.exit(0)),
    (error: unknown) => process.send!({ type: 'error', message: error instanceof Error ? error.message : String(error) }, () => process.exit(1)),
  );
});
process.on('SIGTERM', () => process.exit(1));
process.send!({ type: 'ready' });
