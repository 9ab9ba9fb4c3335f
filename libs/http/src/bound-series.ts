import type { Metric, MetricValueWithName, Registry } from 'prom-client';

/**
 * What a prom-client metric's get() resolves to, as its exposition and AggregatorRegistry read it
 * (prom-client's typings declare `type` as a numeric enum; at run time it is the type's name).
 */
interface MetricSnapshot {
  name: string;
  help: string;
  type: 'histogram' | 'counter';
  aggregator: 'sum';
  values: MetricValueWithName<string>[];
}

/**
 * A histogram and a counter for the metrics every prediction touches, whose series are bound once and
 * then cost a few array writes per observation. prom-client's own bound children (`labels(...)`)
 * still convert, validate and hash their label object on every call: 0.6 µs per histogram
 * observation and 0.3 µs per counter increment (prom-client 15.1.3, Node 20), three times per
 * prediction. These register in a prom-client Registry like its own metrics, through the `get()` its
 * exposition and AggregatorRegistry read, so /metrics (one process or a cluster's aggregate) does not
 * change. Unlike prom-client, a bound series is exported from the moment it is bound, at 0.
 */
abstract class BoundSeriesMetric<L extends string, S> {
  abstract readonly type: 'histogram' | 'counter';
  readonly aggregator = 'sum' as const;
  protected readonly bound = new Map<string, { labels: Record<L, string>; series: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric<L>);
  }

  /** The series of these label values: the same object for the same values, to keep and call. */
  series(labels: Record<L, string>): S {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let entry = this.bound.get(key);
    if (!entry) this.bound.set(key, (entry = { labels: { ...labels }, series: this.create() }));
    return entry.series;
  }

  protected abstract create(): S;
  /** Registry.resetMetrics(): every series back to 0, and still bound. */
  abstract reset(): void;
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last one counts those above every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Counted in the first bucket whose upper bound is at least the value, as Prometheus' `le` says. */
  observe(value: number): void {
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]) bucket++;
    this.counts[bucket] += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class BoundHistogram<L extends string> extends BoundSeriesMetric<L, HistogramSeries> {
  readonly type = 'histogram' as const;
  private readonly bounds: readonly number[];

  constructor(options: { name: string; help: string; labelNames: readonly L[]; buckets: readonly number[]; registry: Registry }) {
    super(options.name, options.help, options.labelNames, options.registry);
    this.bounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  reset(): void {
    for (const { series } of this.bound.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** The values in prom-client's histogram shape and label order: cumulative `_bucket`s by `le`, then `_sum` and `_count`. */
  async get(): Promise<MetricSnapshot> {
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, series } of this.bound.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class CounterSeries {
  value = 0;

  inc(amount = 1): void {
    this.value += amount;
  }
}

export class BoundCounter<L extends string> extends BoundSeriesMetric<L, CounterSeries> {
  readonly type = 'counter' as const;

  constructor(options: { name: string; help: string; labelNames: readonly L[]; registry: Registry }) {
    super(options.name, options.help, options.labelNames, options.registry);
  }

  protected create(): CounterSeries {
    return new CounterSeries();
  }

  reset(): void {
    for (const { series } of this.bound.values()) series.value = 0;
  }

  async get(): Promise<MetricSnapshot> {
    const values = [...this.bound.values()].map(({ labels, series }) => ({ labels, value: series.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
