import { cpus } from 'node:os';
import { bareAroundJson, describeAround } from '../baselines';
import { cpuBudget, describeBudgets } from '../cpu-budget';
import { ratio, round, round1, times } from '../figures';
import { series } from '../gateway-metrics';
import { LIGHT } from '../models';
import { ingestionProcesses, loadCpuUsPerResponse, loadsOnOneServer } from '../process-cpu';
import { check, cpuCell, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
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
    const specs = Array.from({ length: WORKERS }, (_, i) => bench.spec(`gateway x${WORKERS} workers ${i + 1}/${WORKERS}`, gateway.url, { connections: perLoad }));
    // Bare x2 is measured right before and after the gateway's run, and the ratio is to their mean.
    const { result, bare: bareTwo } = await baselines.bracket(bench, WORKERS, () =>
      loadsOnOneServer(`gateway x${WORKERS} workers`, specs, gateway.process.child.pid!, ingestionProcesses(system.workerPid)),
    );
    const { outcomes, combined, cpuUsPerRequest, besideCpuUsPerRequest } = result;
    outcomes.forEach((o, i) => record.failures.push(...servedEverything(o, `scenario 2 (load ${i + 1})`)));
    record.runs = { combined: withoutHistogram(combined), loads: outcomes.map(withoutHistogram) };
    const vsBareTwo = ratio(combined.rps, bareTwo.rps);
    record.checks.push(check(`req/s ÷ bare x${WORKERS} workers req/s`, vsBareTwo, '>=', 0.85));
    record.extra = { per_load_rps: outcomes.map((o) => o.rps), ratio_to_bare: baselines.ratios(combined).rps, ratio_to_single_gateway: ratio(combined.rps, steadyRun(bench)?.rps) };
    record.extra.gateway_cpu_us_per_request = round1(cpuUsPerRequest);
    record.extra.bare_two_around = bareAroundJson(bareTwo);
    record.notes.push(`gateway x${WORKERS} workers: ${outcomes.map((o) => round(o.rps)).join(' + ')} req/s over the loads; ${times(vsBareTwo)} bare x${WORKERS}`);
    // The same arithmetic as scenario 1's note, against the bare cluster: every process of each server, its loads, the log's ingestion.
    const cores = cpus().length;
    const bare = {
      name: `bare x${WORKERS}`,
      budget: cpuBudget({ server: bareTwo.cpuUsPerRequest, 'load generator': bareTwo.loadCpuUsPerResponse }, cores),
      rps: bareTwo.rps,
    };
    const workers = {
      name: `gateway x${WORKERS}`,
      budget: cpuBudget({ server: cpuUsPerRequest, 'load generator': loadCpuUsPerResponse(combined), ...besideCpuUsPerRequest }, cores),
      rps: combined.rps,
    };
    record.extra.cpu_budget = { cores, [bare.name]: bare.budget, [workers.name]: workers.budget };
    record.notes.push(describeBudgets(cores, bare, [workers], 0.85));
    // As the runner notes for the other gateways: a light version a worker moved to inference threads
    // (its warm-up read slow on a busy machine) changes the figure. /metrics answers for both workers.
    const metrics = await fetch(`${gateway.url}/metrics`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text());
    const offloaded = series(metrics, 'switchyard_version_offloaded').filter((s) => s.value === 1).map((s) => `${s.labels.model} v${s.labels.version}`);
    record.extra.offloaded_versions = offloaded;
    if (offloaded.some((v) => v.startsWith(`${LIGHT} `))) record.notes.push(`light versions in inference threads on a worker of the 2-worker gateway: ${offloaded.filter((v) => v.startsWith(LIGHT)).join(', ')}`);
    record.rows.push(
      loadRow('2', `gateway, GATEWAY_WORKERS=${WORKERS} on one port, ${perLoad}+${perLoad} conn`, combined, {
        cpu: cpuCell(cpuUsPerRequest),
        ratio: `${times(vsBareTwo)} bare x${WORKERS}, ${times(baselines.ratios(combined).rps)} bare (${describeAround(bareTwo, `bare x${WORKERS}`)})`,
        target: `≥0.85× bare x${WORKERS}`,
        verdict: verdictOf(record.checks),
      }),
    );
  } finally {
    await system.stopProcess(gateway.process);
  }
}

export const twoWorkers: Scenario = { id: 2, name: 'two-cores', title: 'gateway with 2 workers on one port', needsSystem: true, comparesToBare: true, run };
