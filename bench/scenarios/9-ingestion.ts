import { Redis } from 'ioredis';
import * as ort from 'onnxruntime-node';
import { Client } from 'pg';
import { EVENTS_PER_STREAM_ENTRY, predictionStreamKey, STREAM_BATCH_FIELD } from '@switchyard/queues';
import { packInputColumnMeans, summarizeInputMeans } from '@switchyard/tensor';
import { LIGHT_FEATURES, LIGHT_ROW } from '../models';
import { poll } from '../http';
import { check, type ScenarioRecord, verdictOf } from '../record';
import type { Bench, Scenario } from '../runner';

/**
 * What a gateway logs of the light model's inputs for the `i`th event of an entry: its row, moved by
 * `i`, summarised as the gateway summarises it (one mean at the default width, a mean per column for
 * a table of 32 or fewer, with BENCH_LIGHT_FEATURES).
 */
function inputSummaries(i: number) {
  const row = Float32Array.from(LIGHT_ROW, (value, column) => value + ((i + column) % 7) / 10);
  const feeds = { input: new ort.Tensor('float32', row, [1, LIGHT_FEATURES]) };
  return { inputs: summarizeInputMeans(feeds), input_columns: packInputColumnMeans(feeds) };
}

/** `--ingest-events` events pushed onto the stream as gateways would, timed until every one is a row in PostgreSQL. */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system } = bench;
  const total = bench.options.ingestEvents;
  const model = `ingest-${Date.now()}`;
  const redis = new Redis(system.redisUrl);
  const pg = new Client({ connectionString: system.databaseUrl });
  await pg.connect();
  try {
    const count = async () => Number((await pg.query('SELECT count(*) AS n FROM prediction_log WHERE model_name = $1', [model])).rows[0].n);
    const at = Date.now();
    const entries: string[] = [];
    for (let entry = 0; entry < total / EVENTS_PER_STREAM_ENTRY; entry++) {
      entries.push(
        JSON.stringify(
          Array.from({ length: EVENTS_PER_STREAM_ENTRY }, (_, i) => ({
            request_id: `${model}-${entry * EVENTS_PER_STREAM_ENTRY + i}`,
            model,
            version: 1,
            variant: i % 10 === 0 ? 'challenger' : 'champion',
            routing_key_hash: '0123456789abcdef0123456789abcdef',
            at: at + entry,
            latency_us: 200 + (i % 300),
            status: 200,
            error: null,
            ...inputSummaries(i),
            output: { value: i / 1000 },
            payload: null,
          })),
        ),
      );
    }
    const started = performance.now();
    for (let i = 0; i < entries.length; i += 50) {
      const pipeline = redis.pipeline();
      for (const entry of entries.slice(i, i + 50)) pipeline.xadd(predictionStreamKey(system.prefix), '*', STREAM_BATCH_FIELD, entry);
      await pipeline.exec();
    }
    await poll(`${total} events ingested`, 300_000, async () => ((await count()) >= total ? true : undefined), 100);
    const seconds = (performance.now() - started) / 1_000;
    const rate = total / seconds;
    const rollupRequests = Number((await pg.query('SELECT coalesce(sum(requests), 0) AS n FROM prediction_rollups WHERE model_name = $1', [model])).rows[0].n);
    if (rollupRequests !== total) record.failures.push(`scenario 9: rollups count ${rollupRequests} requests for ${total} events`);
    const target = check('events/s into PostgreSQL', rate, '>=', 20_000);
    record.checks.push(target);
    record.extra = { events: total, seconds: Number(seconds.toFixed(2)), events_per_s: Math.round(rate), rollup_requests: rollupRequests };
    record.rows.push({
      id: '9',
      scenario: `ingestion: ${total} events → Postgres (1 worker)`,
      figure: `${Math.round(rate)}/s`,
      p50: '—',
      p99: '—',
      non2xx: '—',
      errors: '—',
      cpu: '',
      ratio: `${seconds.toFixed(1)} s, rollups ${rollupRequests === total ? 'exact' : 'WRONG'}`,
      target: '≥20,000 events/s',
      verdict: verdictOf([target]),
    });
  } finally {
    redis.disconnect();
    await pg.end();
  }
}

export const ingestion: Scenario = { id: 9, name: 'ingestion', title: 'prediction events → Postgres', needsSystem: true, run };
