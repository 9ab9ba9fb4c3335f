import { ratio, round, times } from '../figures';
import { combine, runLoads } from '../load';
import { check, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';
import { steadyRun } from './1-gateway';

/** Two gateway processes (ports P, P+1) under two autocannon instances at once, req/s summed. */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system, baselines } = bench;
  await system.ensureSecondGateway();
  const perProcess = Math.max(1, Math.round(bench.connections / 2));
  const outcomes = await runLoads(system.gateways.map((g) => bench.spec(`gateway ${g.replica}`, g.url, { connections: perProcess })));
  const combined = combine('two gateways', outcomes);
  outcomes.forEach((o, i) => record.failures.push(...servedEverything(o, `scenario 2 (gateway-${i + 1})`)));
  record.runs = { combined: withoutHistogram(combined), processes: outcomes.map(withoutHistogram) };
  const r = baselines.ratios(combined);
  const vsBareTwo = ratio(combined.rps, baselines.bareTwo?.rps);
  record.checks.push(check('req/s (both) ÷ single-process bare req/s', r.rps, '>=', 1.3));
  record.extra = { per_process_rps: outcomes.map((o) => o.rps), ratio_to_bare_two_processes: vsBareTwo, ratio_to_single_gateway: ratio(combined.rps, steadyRun(bench)?.rps) };
  record.notes.push(`two gateways: ${outcomes.map((o) => round(o.rps)).join(' + ')} req/s; ${times(vsBareTwo)} bare x2`);
  record.rows.push(
    loadRow('2', `two gateway processes, ${perProcess}+${perProcess} conn`, combined, {
      ratio: `${times(r.rps)} bare, ${times(vsBareTwo)} bare x2`,
      target: '≥1.3× bare',
      verdict: verdictOf(record.checks),
    }),
  );
}

export const twoProcesses: Scenario = { id: 2, name: 'two-cores', title: 'two gateway processes', needsSystem: true, comparesToBare: true, drivesGateways: true, usesSecondGateway: true, run };
