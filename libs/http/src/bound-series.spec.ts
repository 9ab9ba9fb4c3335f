import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from './bound-series';

const BUCKETS = [0.001, 0.01, 0.1, 1];
// On a bound, between bounds, above every bound, zero and tiny: each lands where prom-client puts it.
const OBSERVED = [0, 1e-9, 0.001, 0.0015, 0.01, 0.05, 0.1, 0.99, 1, 5, 0.0004];
const SERIES = [
  { model: 'light', variant: 'champion' },
  { model: 'light', variant: 'challenger' },
  { model: 'mod"el\\x', variant: 'champion' },
];

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const histogram = new BoundHistogram({ name: 'duration_seconds', help: 'How long', labelNames: ['model', 'variant'], buckets: BUCKETS, registry: ours });
  const counter = new BoundCounter({ name: 'served_total', help: 'How many', labelNames: ['model', 'variant'], registry: ours });
  const promHistogram = new Histogram({ name: 'duration_seconds', help: 'How long', labelNames: ['model', 'variant'], buckets: BUCKETS, registers: [theirs] });
  const promCounter = new Counter({ name: 'served_total', help: 'How many', labelNames: ['model', 'variant'], registers: [theirs] });
  for (const [i, labels] of SERIES.entries()) {
    const bound = histogram.series(labels);
    const served = counter.series(labels);
    for (const value of OBSERVED.slice(i)) {
      bound.observe(value);
      promHistogram.labels(labels).observe(value);
      served.inc();
      promCounter.labels(labels).inc();
    }
    served.inc(2.5);
    promCounter.labels(labels).inc(2.5);
  }
  return { ours, theirs, histogram, counter };
}

describe('BoundHistogram and BoundCounter', () => {
  it('expose exactly what prom-client’s Histogram and Counter expose for the same observations', async () => {
    const { ours, theirs } = pair();
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('duration_seconds_bucket{le="0.001",model="light",variant="champion"} 4');
    expect(text).toContain('served_total{model="light",variant="challenger"} 12.5');
  });

  it('aggregate over cluster workers as prom-client’s metrics do', async () => {
    const { ours, theirs } = pair();
    const ourWorkers = [await ours.getMetricsAsJSON(), await ours.getMetricsAsJSON()];
    const theirWorkers = [await theirs.getMetricsAsJSON(), await theirs.getMetricsAsJSON()];
    const aggregated = await AggregatorRegistry.aggregate(ourWorkers).metrics();
    expect(aggregated).toBe(await AggregatorRegistry.aggregate(theirWorkers).metrics());
    expect(aggregated).toContain('duration_seconds_count{model="light",variant="champion"} 22');
  });

  it('returns the same series for the same label values, whatever object holds them', () => {
    const { histogram, counter } = pair();
    expect(histogram.series({ model: 'light', variant: 'champion' })).toBe(histogram.series({ variant: 'champion', model: 'light' }));
    expect(counter.series({ model: 'light', variant: 'champion' })).not.toBe(counter.series({ model: 'light', variant: 'challenger' }));
  });

  it('exports a series from the moment it is bound, at 0, and keeps it bound through a reset', async () => {
    const registry = new Registry();
    const histogram = new BoundHistogram({ name: 'd', help: 'h', labelNames: ['status'], buckets: BUCKETS, registry });
    const counter = new BoundCounter({ name: 'c_total', help: 'h', labelNames: ['status'], registry });
    const errors = counter.series({ status: 'error' });
    const latency = histogram.series({ status: 'error' });
    expect(await registry.metrics()).toContain('c_total{status="error"} 0');
    expect(await registry.metrics()).toContain('d_count{status="error"} 0');
    errors.inc();
    latency.observe(0.5);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('c_total{status="error"} 0');
    expect(await registry.metrics()).toContain('d_bucket{le="1",status="error"} 0');
    errors.inc();
    latency.observe(0.5);
    expect(await registry.metrics()).toContain('c_total{status="error"} 1');
    expect(await registry.metrics()).toContain('d_bucket{le="1",status="error"} 1');
  });

  it('refuses a second metric of the same name in one registry, as prom-client does', () => {
    const registry = new Registry();
    new BoundCounter({ name: 'c_total', help: 'h', labelNames: ['status'], registry });
    expect(() => new Counter({ name: 'c_total', help: 'h', registers: [registry] })).toThrow(/already been registered/);
  });
});
