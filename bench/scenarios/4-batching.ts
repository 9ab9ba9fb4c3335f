import { ratio, times } from '../figures';
import { call } from '../http';
import { type LoadOutcome, runLoads } from '../load';
import { BATCHING, HEAVY } from '../models';
import { check, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';

/** The heavy model at 2n connections: 4a with batching off, 4b with it on; it is turned off again after. */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system } = bench;
  const setBatching = (batching: typeof BATCHING | null) => call(`${system.registryUrl}/v1/models/${HEAVY}`, 'PATCH', { batching });
  const connections = bench.connections * 2;
  const [off] = await runLoads([bench.heavySpec('heavy, batching off', connections)]);
  record.runs.batching_off = withoutHistogram(off);
  record.failures.push(...servedEverything(off, 'scenario 4 (batching off)'));
  record.rows.push(loadRow('4a', `heavy /v1 predict, batching off, ${connections} conn`, off, { ratio: 'the reference for 4b' }));

  const patched = await setBatching(BATCHING);
  if (patched.status < 200 || patched.status >= 300) {
    const why = `batching not available (PATCH /v1/models/${HEAVY} answered ${patched.status}${patched.body?.detail ? `: ${String(patched.body.detail).slice(0, 120)}` : ''})`;
    record.notes.push(why);
    record.extra = { batching_available: false, patch_status: patched.status, patch_body: patched.body };
    record.rows.push({ id: '4b', scenario: 'heavy, batching on (32 rows, 2 ms)', figure: '—', p50: '—', p99: '—', non2xx: '—', errors: '—', cpu: '', ratio: why.slice(0, 60), target: '≥2× 4a, p99 ≤ delay+batch', verdict: 'n/a' });
    return;
  }
  let on: LoadOutcome;
  try {
    const revision = await system.waitForRollout(HEAVY);
    const deployment = await call(`${system.registryUrl}/v1/deployments`, 'GET');
    const seen = (deployment.body.items as Array<{ model: string; batching?: unknown }>).find((d) => d.model === HEAVY);
    record.extra = { batching_available: true, revision, deployment_batching: seen?.batching ?? null };
    [on] = await runLoads([bench.heavySpec('heavy, batching on', connections)]);
    // Whatever batch series the gateway exports for the model (e.g. a histogram of rows per run).
    const text = await system.metrics();
    const lines = text.split('\n').filter((l) => /batch/i.test(l) && !l.startsWith('#') && l.includes(`model="${HEAVY}"`));
    record.extra.gateway_batch_metrics = lines;
    const sum = lines.find((l) => /_sum\{/.test(l));
    const count = lines.find((l) => /_count\{/.test(l));
    if (sum && count) {
      const [rows, runs] = [sum, count].map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
      if (runs > 0) record.notes.push(`the gateway ran ${runs} batched session.run calls for ${rows} rows (mean ${(rows / runs).toFixed(1)} rows, warm-up included)`);
    }
  } finally {
    const restored = await setBatching(null);
    if (restored.status >= 200 && restored.status < 300) await system.waitForRollout(HEAVY);
    else record.notes.push(`could not turn batching off again: ${restored.status}`);
  }
  record.runs.batching_on = withoutHistogram(on);
  record.failures.push(...servedEverything(on, 'scenario 4 (batching on)'));
  const gain = ratio(on.rps, off.rps);
  const { heavyBatchMs } = bench.baselines;
  const p99Limit = heavyBatchMs === null ? null : BATCHING.max_delay_ms + heavyBatchMs;
  record.checks.push(check('req/s on ÷ req/s off', gain, '>=', 2));
  if (p99Limit !== null) record.checks.push(check('p99 on (ms) vs max_delay + one 32-row run', on.latency.p99_ms, '<=', Number(p99Limit.toFixed(3))));
  record.extra.p99_limit_ms = p99Limit;
  record.extra.batch32_run_ms_in_process = heavyBatchMs;
  record.rows.push(
    loadRow('4b', `heavy, batching on (32 rows, 2 ms), ${connections} conn`, on, {
      ratio: `${times(gain)} 4a, p99 ${times(ratio(on.latency.p99_ms, off.latency.p99_ms))} 4a`,
      target: `≥2× 4a, p99 ≤${p99Limit === null ? '?' : p99Limit.toFixed(1)} ms`,
      verdict: verdictOf(record.checks),
    }),
  );
}

export const batching: Scenario = { id: 4, name: 'batching', title: 'dynamic batching, heavy', needsSystem: true, drivesGateways: true, run };
