import { ratio, round, times } from '../figures';
import { series } from '../gateway-metrics';
import { combine, runLoads } from '../load';
import { LIGHT } from '../models';
import { check, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';
import { steadyRun } from './1-gateway';

const WORKERS = 2;

/**
 * One gateway with GATEWAY_WORKERS=2 on one port under two autocannon instances at once (the
 * connections split between them), req/s summed; compared with the bare server run the same way, as a
 * 2-worker cluster on one port (the baseline "bare x2", measured in the same run).
 */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system, baselines } = bench;
  const gateway = await system.workersGateway('gateway-workers', WORKERS);
  try {
    const perLoad = Math.max(1, Math.round(bench.connections / WORKERS));
    const outcomes = await runLoads(Array.from({ length: WORKERS }, (_, i) => bench.spec(`gateway x${WORKERS} workers ${i + 1}/${WORKERS}`, gateway.url, { connections: perLoad })));
    const combined = combine(`gateway x${WORKERS} workers`, outcomes);
    outcomes.forEach((o, i) => record.failures.push(...servedEverything(o, `scenario 2 (load ${i + 1})`)));
    record.runs = { combined: withoutHistogram(combined), loads: outcomes.map(withoutHistogram) };
    const vsBareTwo = ratio(combined.rps, baselines.bareTwo?.rps);
    record.checks.push(check(`req/s ÷ bare x${WORKERS} workers req/s`, vsBareTwo, '>=', 0.85));
    record.extra = { per_load_rps: outcomes.map((o) => o.rps), ratio_to_bare: baselines.ratios(combined).rps, ratio_to_single_gateway: ratio(combined.rps, steadyRun(bench)?.rps) };
    record.notes.push(`gateway x${WORKERS} workers: ${outcomes.map((o) => round(o.rps)).join(' + ')} req/s over the loads; ${times(vsBareTwo)} bare x${WORKERS}`);
    // As the runner notes for the other gateways: a light version a worker moved to inference threads
    // (its warm-up read slow on a busy machine) changes the figure. /metrics answers for both workers.
    const metrics = await fetch(`${gateway.url}/metrics`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text());
    const offloaded = series(metrics, 'switchyard_version_offloaded').filter((s) => s.value === 1).map((s) => `${s.labels.model} v${s.labels.version}`);
    record.extra.offloaded_versions = offloaded;
    if (offloaded.some((v) => v.startsWith(`${LIGHT} `))) record.notes.push(`light versions in inference threads on a worker of the 2-worker gateway: ${offloaded.filter((v) => v.startsWith(LIGHT)).join(', ')}`);
    record.rows.push(
      loadRow('2', `gateway, GATEWAY_WORKERS=${WORKERS} on one port, ${perLoad}+${perLoad} conn`, combined, {
        ratio: `${times(vsBareTwo)} bare x${WORKERS}, ${times(baselines.ratios(combined).rps)} bare`,
        target: `≥0.85× bare x${WORKERS}`,
        verdict: verdictOf(record.checks),
      }),
    );
  } finally {
    await system.stopProcess(gateway.process);
  }
}

export const twoWorkers: Scenario = { id: 2, name: 'two-cores', title: 'gateway with 2 workers on one port', needsSystem: true, comparesToBare: true, run };
