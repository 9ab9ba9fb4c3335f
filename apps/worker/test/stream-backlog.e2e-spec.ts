import { Redis } from 'ioredis';
import { Client } from 'pg';
import { type PredictionEvent, predictionStreamKey } from '@switchyard/queues';
import { eventually } from '../../../test/support/artifacts';
import { type RunningApp, startWorker } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { readStreamBacklog } from '../src/prediction-log/stream-backlog';
import { TcpProxy } from './tcp-proxy';
import { metricValue } from './validation-stack';

describe('the prediction log backlog', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(async () => {
    await redis.quit();
  });

  describe('readStreamBacklog (real Redis)', () => {
    it('reads an absent stream as nothing waiting', async () => {
      expect(await readStreamBacklog(redis, `${isolatedRedisPrefix()}:predictions`)).toEqual({ entries: 0, oldestSeconds: 0 });
    });

    it("counts the stream's entries and dates the oldest by Redis's clock", async () => {
      const stream = `${isolatedRedisPrefix()}:predictions`;
      const [seconds] = await redis.time();
      const nowMs = Number(seconds) * 1_000;
      // Ids are Redis's milliseconds when an entry was added: these were added two and one minute ago.
      await redis.xadd(stream, `${nowMs - 120_000}-0`, 'batch', '[]');
      await redis.xadd(stream, `${nowMs - 60_000}-0`, 'batch', '[]');
      const both = await readStreamBacklog(redis, stream);
      expect(both.entries).toBe(2);
      expect(both.oldestSeconds).toBeGreaterThanOrEqual(120);
      expect(both.oldestSeconds).toBeLessThan(130);

      // The worker deletes an entry once its batch is written: the next one is then the oldest.
      await redis.xdel(stream, `${nowMs - 120_000}-0`);
      const one = await readStreamBacklog(redis, stream);
      expect(one.entries).toBe(1);
      expect(one.oldestSeconds).toBeGreaterThanOrEqual(60);
      expect(one.oldestSeconds).toBeLessThan(70);
    });
  });

  describe("the worker's gauges", () => {
    let databaseUrl: string;
    let proxy: TcpProxy;
    let worker: RunningApp | undefined;
    const prefix = isolatedRedisPrefix();
    const waiting = () => metricValue(worker!, 'switchyard_prediction_log_waiting_entries{stream="predictions"}');
    const oldest = () => metricValue(worker!, 'switchyard_prediction_log_oldest_waiting_seconds{stream="predictions"}');
    const exposition = async () => (await fetch(`${worker!.url}/metrics`).then((r) => r.text())).split('\n');

    beforeAll(async () => {
      databaseUrl = await createIsolatedDatabase();
      const direct = new URL(databaseUrl);
      // PostgreSQL through a proxy the test can cut: an outage is what makes a backlog.
      proxy = await TcpProxy.start(`http://${direct.host}`, 'forward');
      const proxied = new URL(databaseUrl);
      proxied.host = new URL(proxy.url).host;
      worker = await startWorker({ DATABASE_URL: proxied.toString(), REDIS_PREFIX: prefix });
    });
    afterAll(async () => {
      await worker?.close();
      await proxy.close();
      await dropIsolatedDatabase(databaseUrl);
    });

    it('show events waiting while PostgreSQL is unreachable, and nothing once they are written', async () => {
      const text = await exposition();
      for (const stream of ['predictions', 'feedback']) {
        expect(text).toContain(`switchyard_prediction_log_waiting_entries{stream="${stream}"} 0`);
        expect(text).toContain(`switchyard_prediction_log_oldest_waiting_seconds{stream="${stream}"} 0`);
      }

      proxy.mode = 'refuse';
      proxy.dropConnections();
      const event: PredictionEvent = {
        request_id: 'backlog-1', model: 'backlog', version: 1, variant: 'champion', routing_key_hash: null, at: Date.now(),
        latency_us: 100, status: 200, error: null, inputs: null, output: { value: 1 }, payload: null,
      };
      await redis.xadd(predictionStreamKey(prefix), '*', 'batch', JSON.stringify([event]));
      // The entry stays on the stream while its batch cannot be written, and grows older.
      await eventually(oldest, (seconds) => seconds >= 2, 30_000);
      expect(await waiting()).toBe(1);

      proxy.mode = 'forward';
      // Series, not just zeros: metricValue would read an absent one as 0 too.
      const after = await eventually(exposition, (lines) => lines.includes('switchyard_prediction_log_waiting_entries{stream="predictions"} 0'), 60_000);
      expect(after).toContain('switchyard_prediction_log_waiting_entries{stream="predictions"} 0');
      expect(after).toContain('switchyard_prediction_log_oldest_waiting_seconds{stream="predictions"} 0');
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const rows = await client.query("SELECT request_id FROM prediction_log WHERE model_name = 'backlog'");
        expect(rows.rows).toEqual([{ request_id: 'backlog-1' }]);
      } finally {
        await client.end();
      }
    });
  });
});
