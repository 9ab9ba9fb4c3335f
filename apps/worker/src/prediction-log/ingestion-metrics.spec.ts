import { MetricsRegistry } from '@switchyard/http';
import { BACKLOG_READ_TIMEOUT_MS, IngestionMetrics } from './ingestion-metrics';

const lines = async (registry: MetricsRegistry) => (await registry.registry.metrics()).split('\n').filter((line) => line.startsWith('switchyard_prediction_log_') && line.includes('waiting'));

describe('IngestionMetrics backlog gauges', () => {
  it('export nothing until the ingestion names its streams', async () => {
    const registry = new MetricsRegistry();
    new IngestionMetrics(registry);
    expect((await lines(registry)).filter((line) => !line.startsWith('#'))).toEqual([]);
  });

  it("export each stream's entries and oldest age from one read per scrape", async () => {
    const registry = new MetricsRegistry();
    const metrics = new IngestionMetrics(registry);
    let reads = 0;
    metrics.observeBacklog(async () => {
      reads += 1;
      return { predictions: { entries: 3, oldestSeconds: 12.5 }, feedback: { entries: 0, oldestSeconds: 0 } };
    });
    expect((await lines(registry)).filter((line) => !line.startsWith('#'))).toEqual([
      'switchyard_prediction_log_waiting_entries{stream="predictions"} 3',
      'switchyard_prediction_log_waiting_entries{stream="feedback"} 0',
      'switchyard_prediction_log_oldest_waiting_seconds{stream="predictions"} 12.5',
      'switchyard_prediction_log_oldest_waiting_seconds{stream="feedback"} 0',
    ]);
    expect(reads).toBe(1);
  });

  it('export no series, not the last values, when the streams cannot be read', async () => {
    const registry = new MetricsRegistry();
    const metrics = new IngestionMetrics(registry);
    let healthy = true;
    metrics.observeBacklog(async () => {
      if (!healthy) throw new Error('Connection is closed.');
      return { predictions: { entries: 1, oldestSeconds: 1 } };
    });
    expect((await lines(registry)).filter((line) => !line.startsWith('#'))).toHaveLength(2);
    healthy = false;
    jest.useFakeTimers({ now: Date.now() + 5_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      expect((await lines(registry)).filter((line) => !line.startsWith('#'))).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('export no series when Redis does not answer, once the read has waited its limit', async () => {
    const registry = new MetricsRegistry();
    const metrics = new IngestionMetrics(registry);
    metrics.observeBacklog(() => new Promise(() => undefined));
    const started = performance.now();
    expect((await lines(registry)).filter((line) => !line.startsWith('#'))).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(BACKLOG_READ_TIMEOUT_MS - 50);
  });
});
