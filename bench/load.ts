import { fork } from 'node:child_process';
import * as path from 'node:path';

/**
 * One autocannon run, described so it can cross a process boundary: each run gets its own child process
 * (bench/load-worker.ts), so two runs at once do not share one event loop, and the bench's own control
 * loops (alias switches, propagation polls) are never stalled by the load generator.
 */
export interface LoadSpec {
  label: string;
  /** Origin, e.g. http://127.0.0.1:8080 */
  url: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** A binary body instead (base64, to cross the process boundary); send its Content-Type in `headers`. */
  bodyBase64?: string;
  /** When set, requests cycle through this many `X-Routing-Key` values (bench-key-0 … n-1). */
  routingKeys?: number;
  connections: number;
  durationS: number;
  /** A separate, discarded autocannon run first, so JIT and connection set-up are not measured. */
  warmupS: number;
  /** When set, requests per second over all connections (autocannon's overallRate) instead of as many as are answered. */
  ratePerSecond?: number;
  /**
   * When set, gRPC ModelInfer calls on this model instead of HTTP (bench/grpc-load-worker.ts): `url` is
   * then the gRPC host:port, and `connections` the number of channels, one call in flight on each.
   */
  grpcModel?: string;
}

/** Percentiles of every 2xx response's latency, at microsecond resolution. */
export interface LatencySummary {
  count: number;
  mean_ms: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p99_9_ms: number;
  max_ms: number;
}

/** autocannon's own summary, less its histograms' internals. */
export interface AutocannonSummary {
  duration: number;
  connections: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  requests: Record<string, number>;
  latency: Record<string, number>;
  throughput: Record<string, number>;
}

export interface LoadOutcome {
  label: string;
  connections: number;
  duration_s: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  status_codes: Record<string, number>;
  /** 2xx responses per second over the measured run. */
  rps: number;
  latency: LatencySummary;
  /** Absent for gRPC runs, which autocannon does not drive. */
  autocannon?: AutocannonSummary;
  /**
   * CPU seconds (user + system) the load generator's own process spent over the measured run: on a
   * machine whose cores it shares with the system under test, its share of them is part of the budget.
   */
  load_cpu_s: number;
  /** latency in µs → count; used to merge concurrent runs, left out of the JSON file. */
  histogram: Array<[number, number]>;
}

type FromWorker = { type: 'ready' } | { type: 'measuring' } | { type: 'result'; outcome: LoadOutcome } | { type: 'error'; message: string };

export interface LoadHooks {
  /** Called when a run's measured part starts (after its warm-up), with the spec's label. */
  onMeasuring?: (label: string) => void;
}

/**
 * The routing keys one connection of `connections` sends, as indices `[start, end)` into `keys`: the
 * keys split into contiguous slices, one per connection, so every key is sent from the run's first
 * moments and each connection builds only its own slice's requests. When there are more connections
 * than keys, connections share keys (each key still goes to at least one).
 */
export function connectionKeySlice(keys: number, connections: number, connection: number): { start: number; end: number } {
  if (connections > keys) {
    const key = connection % keys;
    return { start: key, end: key + 1 };
  }
  return { start: Math.floor((connection * keys) / connections), end: Math.floor(((connection + 1) * keys) / connections) };
}

/** Summarises a µs → count histogram; percentiles as hdr-histogram does (the value at rank ⌈p·n⌉). */
export function summarise(histogram: Array<[number, number]>): LatencySummary {
  const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
  const count = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (count === 0) return { count: 0, mean_ms: 0, p50_ms: 0, p90_ms: 0, p99_ms: 0, p99_9_ms: 0, max_ms: 0 };
  const at = (p: number) => {
    const rank = Math.max(1, Math.ceil((p / 100) * count));
    let seen = 0;
    for (const [us, n] of sorted) {
      seen += n;
      if (seen >= rank) return us;
    }
    return sorted[sorted.length - 1][0];
  };
  const ms = (us: number) => Number((us / 1000).toFixed(3));
  const total = sorted.reduce((sum, [us, n]) => sum + us * n, 0);
  return { count, mean_ms: ms(total / count), p50_ms: ms(at(50)), p90_ms: ms(at(90)), p99_ms: ms(at(99)), p99_9_ms: ms(at(99.9)), max_ms: ms(sorted[sorted.length - 1][0]) };
}

/** Two concurrent runs as one: request counts and rates add up, latencies are merged. */
export function combine(label: string, outcomes: LoadOutcome[]): LoadOutcome {
  const merged = new Map<number, number>();
  for (const outcome of outcomes) for (const [us, n] of outcome.histogram) merged.set(us, (merged.get(us) ?? 0) + n);
  const statusCodes: Record<string, number> = {};
  for (const outcome of outcomes) for (const [code, n] of Object.entries(outcome.status_codes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const histogram = [...merged.entries()];
  const sum = (pick: (o: LoadOutcome) => number) => outcomes.reduce((total, o) => total + pick(o), 0);
  return {
    label,
    connections: sum((o) => o.connections),
    duration_s: Math.max(...outcomes.map((o) => o.duration_s)),
    ok: sum((o) => o.ok),
    non2xx: sum((o) => o.non2xx),
    errors: sum((o) => o.errors),
    timeouts: sum((o) => o.timeouts),
    status_codes: statusCodes,
    rps: Number(sum((o) => o.rps).toFixed(1)),
    latency: summarise(histogram),
    load_cpu_s: sum((o) => o.load_cpu_s),
    autocannon: outcomes[0].autocannon,
    histogram,
  };
}

/**
 * Runs of one load one after another as one: their requests and latencies pooled, req/s their mean
 * (what `combine` sums, for loads that ran at the same time).
 */
export function pooled(label: string, outcomes: LoadOutcome[]): LoadOutcome {
  const together = combine(label, outcomes);
  return {
    ...together,
    connections: Math.max(...outcomes.map((o) => o.connections)),
    duration_s: outcomes.reduce((total, o) => total + o.duration_s, 0),
    rps: Number((together.rps / outcomes.length).toFixed(1)),
  };
}

/**
 * Runs every spec at once, each in its own child process; they all start together once every child has
 * loaded autocannon. Rejects if a child fails or outlives its run by 60 s.
 */
export async function runLoads(specs: LoadSpec[], hooks: LoadHooks = {}): Promise<LoadOutcome[]> {
  const children = specs.map((spec) => {
    const child = fork(path.join(__dirname, spec.grpcModel === undefined ? 'load-worker.js' : 'grpc-load-worker.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let onMessage: (message: FromWorker) => void = () => undefined;
    child.on('message', (message: FromWorker) => (message.type === 'measuring' ? hooks.onMeasuring?.(spec.label) : onMessage(message)));
    const next = (want: FromWorker['type']) =>
      new Promise<FromWorker>((resolve, reject) => {
        onMessage = (message) => (message.type === 'error' ? reject(new Error(`${spec.label}: ${message.message}`)) : message.type === want ? resolve(message) : undefined);
        child.once('exit', (code) => reject(new Error(`${spec.label}: load generator exited (${code}) before it reported`)));
      });
    return { spec, child, next };
  });
  const limitMs = (Math.max(...specs.map((s) => s.durationS + s.warmupS)) + 60) * 1000;
  const timer = setTimeout(() => children.forEach(({ child }) => child.kill('SIGKILL')), limitMs);
  try {
    await Promise.all(children.map(({ next }) => next('ready')));
    const results = children.map(({ next }) => next('result'));
    for (const { child, spec } of children) child.send({ type: 'start', spec });
    return (await Promise.all(results)).map((message) => (message as { outcome: LoadOutcome }).outcome);
  } finally {
    clearTimeout(timer);
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
