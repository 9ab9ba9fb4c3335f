import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { type CpuProfile, summariseProfile } from '../cpu-profile';
import { type BareAround, bareAroundJson, describeAround } from '../baselines';
import { cpuBudget, describeBudgets } from '../cpu-budget';
import { mean, percentile, ratio, round, round1, times } from '../figures';
import { predictionsByVariant } from '../gateway-metrics';
import { call, expectStatus, poll, sleep } from '../http';
import { type LoadOutcome, pooled } from '../load';
import { LIGHT, LIGHT_BATCHING } from '../models';
import { ingestionProcesses, loadCpuUsPerResponse, loadWithCpu } from '../process-cpu';
import { check, cpuCell, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';

/**
 * 1, 1b, 1c, 1d: `POST /v1/models/light/predict` on one gateway (sticky A/B 90/10, /metrics scraped,
 * the prediction log on), the same load on a gateway with the log off, on one with auth on, and on the
 * first with the light model's dynamic batching on.
 */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system } = bench;
  const profiling = system.profileFile !== null;
  if (profiling) {
    await logOn(bench, record);
    return;
  }
  // The price of logging: the same load on a gateway with the log off, run right before and right after
  // the logged one (and its bare runs), compared with their mean as row 1 is with bare's.
  const unlogged = await system.extraGateway('gateway-unlogged', { PREDICTION_LOG_ENABLED: 'false' });
  let logged: LoggedRun;
  const off: GatewayRun[] = [];
  try {
    const measureOff = async () =>
      off.push(await loadWithCpu(bench.spec('gateway /v1 predict, log off', unlogged.url), unlogged.process.child.pid!, undefined, ingestionProcesses(bench.system.workerPid)));
    await measureOff();
    logged = await logOn(bench, record);
    await measureOff();
  } finally {
    await system.stopProcess(unlogged.process);
  }
  logOff(record, logged, off);
  await withAuth(bench, record, logged.outcome, logged.cpuUsPerRequest);
  await withBatching(bench, record, logged);
}

type GatewayRun = Awaited<ReturnType<typeof loadWithCpu>>;
type LoggedRun = GatewayRun & { bare: BareAround };

/** Row 1: the gateway as deployed, the log on, between two runs of bare. */
async function logOn(bench: Bench, record: ScenarioRecord): Promise<LoggedRun> {
  const { system } = bench;
  const gateway = system.gateways[0];
  const before = predictionsByVariant(await system.metrics(), LIGHT);
  const scrapes: number[] = [];
  let scrapeFailures = 0;
  const profiling = system.profileFile !== null;
  // Bare is measured right before and after the gateway's run, and the ratios are to their mean.
  const { result, bare } = await bench.baselines.bracket(bench, 1, async () => {
    // "Metrics on": a scraper reads /metrics once a second during the run, as a (busy) Prometheus would.
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        const t0 = performance.now();
        try {
          await system.metrics();
          scrapes.push(performance.now() - t0);
        } catch {
          scrapeFailures++;
        }
        await sleep(1000);
      }
    })();
    try {
      return await loadWithCpu(
        bench.spec('gateway /v1 predict', gateway.url),
        gateway.process.child.pid!,
        () => {
          if (profiling) gateway.process.child.kill('SIGUSR1');
        },
        ingestionProcesses(bench.system.workerPid),
      );
    } finally {
      scraping = false;
      await scraper;
    }
  });
  const { outcome, cpuUsPerRequest, besideCpuUsPerRequest: beside } = result;
  if (profiling) {
    gateway.process.child.kill('SIGUSR1');
    const profile = await poll('CPU profile written', 20_000, async () => {
      const text = await readFile(system.profileFile!, 'utf8');
      return JSON.parse(text) as CpuProfile;
    }, 250);
    bench.profileSummary = summariseProfile(profile);
    record.notes.push(`profiled run (sampling profiler on in the gateway): figures are lower than unprofiled; profile ${system.profileFile}`);
  }
  const after = predictionsByVariant(await system.metrics(), LIGHT);
  const champion = (after.champion ?? 0) - (before.champion ?? 0);
  const challenger = (after.challenger ?? 0) - (before.challenger ?? 0);
  const share = champion + challenger > 0 ? (100 * challenger) / (champion + challenger) : null;
  const r = bench.baselines.ratios(outcome, bare);
  const cpuVsBare = ratio(cpuUsPerRequest, bare.cpuUsPerRequest);
  record.checks.push(check('req/s ÷ bare req/s', r.rps, '>=', 0.85), check('p99 ÷ bare p99', r.p99, '<=', 1.5), check('CPU µs/resp ÷ bare CPU µs/resp', cpuVsBare, '<=', 1.25));
  record.failures.push(...servedEverything(outcome, 'scenario 1'));
  if (scrapeFailures) record.failures.push(`scenario 1: ${scrapeFailures} /metrics scrapes failed`);
  record.runs.gateway = withoutHistogram(outcome);
  record.extra = {
    challenger_share_percent: share === null ? null : Number(share.toFixed(2)),
    predictions_by_variant: { champion, challenger },
    metrics_scrapes: scrapes.length,
    metrics_scrape_ms_p50: percentile(scrapes, 50),
    metrics_scrape_ms_max: scrapes.length ? Math.max(...scrapes) : null,
    ratio_to_in_process: r.inProcess,
    gateway_cpu_us_per_request: round1(cpuUsPerRequest),
    beside_cpu_us_per_request: roundEach(beside),
    bare_around: bareAroundJson(bare),
    profile_file: system.profileFile,
    profile_top: bench.profileSummary,
  };
  if (share !== null) record.notes.push(`challenger share ${share.toFixed(1)}% of ${champion + challenger} predictions (target split 10%); ${scrapes.length} /metrics scrapes`);
  record.rows.push(
    loadRow('1', `gateway /v1 predict, light, A/B 90/10, ${bench.connections} conn`, outcome, {
      cpu: cpuCell(cpuUsPerRequest),
      ratio: `${times(r.rps)} bare, p99 ${times(r.p99)}, CPU ${times(cpuVsBare)}, ${times(r.inProcess)} in-proc (${describeAround(bare)})`,
      target: '≥0.85× bare, p99 ≤1.5×, CPU ≤1.25×',
      verdict: verdictOf(record.checks),
    }),
  );
  return { ...result, bare };
}

/** Row 1b: the log's price, the logged run against the mean of the unlogged ones around it. */
function logOff(record: ScenarioRecord, logged: LoggedRun, runs: GatewayRun[]): void {
  const { outcome, cpuUsPerRequest, besideCpuUsPerRequest: beside } = logged;
  const off = pooled('gateway /v1 predict, log off', runs.map((run) => run.outcome));
  const offCpu = mean(runs.map((run) => run.cpuUsPerRequest));
  const offBeside = Object.fromEntries(Object.keys(runs[0].besideCpuUsPerRequest).map((name) => [name, mean(runs.map((run) => run.besideCpuUsPerRequest[name]))]));
  for (const [i, run] of runs.entries()) record.failures.push(...servedEverything(run.outcome, `scenario 1 (log off, ${i === 0 ? 'before' : 'after'})`));
  const logging = check('req/s log on ÷ log off', ratio(outcome.rps, off.rps), '>=', 0.9);
  record.checks.push(logging);
  record.runs.gateway_log_off = withoutHistogram(off);
  record.runs.gateway_log_off_around = runs.map((run) => withoutHistogram(run.outcome));
  // The gateway's own price of logging, apart from the worker and PostgreSQL sharing the cores.
  const byCpu = ratio(offCpu, cpuUsPerRequest);
  record.extra.gateway_log_off_cpu_us_per_request = round1(offCpu);
  record.extra.gateway_log_off_cpu_us_per_request_around = runs.map((run) => round1(run.cpuUsPerRequest));
  record.extra.log_on_vs_off_by_gateway_cpu = byCpu;
  record.extra.log_off_beside_cpu_us_per_request = roundEach(offBeside);
  record.notes.push(
    `gateway CPU per request: ${round1(cpuUsPerRequest)} µs with the prediction log, ${round1(offCpu)} µs without (the throughput its own CPU allows: log on = ${times(byCpu)} log off)`,
    `on the same cores, CPU per gateway response with the log (without): ${Object.keys(beside)
      .map((name) => `${name} ${round1(beside[name])} (${round1(offBeside[name])}) µs`)
      .join(', ')}; the log's ingestion takes this from the cores the gateway and the load share`,
  );
  budgetNote(record, logged.bare, [
    { name: 'gateway, log on', outcome, serverUs: cpuUsPerRequest, beside },
    { name: 'log off', outcome: off, serverUs: offCpu, beside: offBeside },
  ]);
  record.rows.push(
    loadRow('1b', 'same, prediction log off (for the ratio)', off, {
      cpu: cpuCell(offCpu),
      ratio: `log on = ${times(ratio(outcome.rps, off.rps))} log off (by gateway CPU: ${times(byCpu)}) (log off around it ${round(runs[0].outcome.rps)} → ${round(runs[1].outcome.rps)} req/s)`,
      target: 'log on ≥0.9× off',
      verdict: verdictOf([logging]),
    }),
  );
}

/**
 * Scenario 1's load on a gateway with auth on, as deployed by default: a predict key checked on
 * every request (a map lookup, a salted sha256, a constant-time compare) and its rate limit counted
 * (the key's own limit, set high enough never to refuse). The other scenarios run with auth off, comparable across runs.
 */
async function withAuth(bench: Bench, record: ScenarioRecord, open: LoadOutcome, openCpuUsPerRequest: number): Promise<void> {
  const { system } = bench;
  const created = expectStatus(await call(`${system.registryUrl}/v1/keys`, 'POST', { name: 'bench', roles: ['predict'], rate_limit_per_second: 1_000_000, burst: 1_000_000 }), 201, 'bench predict key');
  const authorization = { authorization: `Bearer ${created.body.key as string}` };
  const gateway = await system.extraGateway('gateway-auth', { AUTH_ENABLED: 'true' }, authorization);
  try {
    const { outcome: authed, cpuUsPerRequest } = await loadWithCpu(bench.spec('gateway /v1 predict, auth on', gateway.url, { headers: authorization }), gateway.process.child.pid!);
    record.failures.push(...servedEverything(authed, 'scenario 1 (auth on)'));
    record.runs.gateway_auth_on = withoutHistogram(authed);
    record.extra.gateway_auth_on_cpu_us_per_request = round1(cpuUsPerRequest);
    record.rows.push(
      loadRow('1c', 'same, auth on (predict key, rate limit counted)', authed, {
        cpu: cpuCell(cpuUsPerRequest),
        ratio: `auth on = ${times(ratio(authed.rps, open.rps))} auth off (by gateway CPU: ${times(ratio(openCpuUsPerRequest, cpuUsPerRequest))})`,
      }),
    );
  } finally {
    await system.stopProcess(gateway.process);
  }
}

/**
 * Row 1d: row 1's gateway and load with the light model's dynamic batching on, as an operator sets it
 * (`PATCH /v1/models/light {batching}`), with no delay: requests that arrive together run as one
 * session.run. Bare, which runs each request alone, is measured around it as around row 1. Reported,
 * not a target: scenario 1 is the gateway as deployed, batching off. The model's batching is off again
 * after it, for the scenarios that follow.
 */
async function withBatching(bench: Bench, record: ScenarioRecord, logged: LoggedRun): Promise<void> {
  const { system } = bench;
  const gateway = system.gateways[0];
  const setBatching = async (batching: typeof LIGHT_BATCHING | null) => {
    expectStatus(await call(`${system.registryUrl}/v1/models/${LIGHT}`, 'PATCH', { batching }), 200, `light batching ${JSON.stringify(batching)}`);
    await system.waitForRollout(LIGHT);
  };
  await setBatching(LIGHT_BATCHING);
  try {
    const { result, bare } = await bench.baselines.bracket(bench, 1, () =>
      loadWithCpu(bench.spec('gateway /v1 predict, batching on', gateway.url), gateway.process.child.pid!, undefined, ingestionProcesses(bench.system.workerPid)),
    );
    const { outcome: batched, cpuUsPerRequest } = result;
    record.failures.push(...servedEverything(batched, 'scenario 1 (batching on)'));
    record.runs.gateway_batching_on = withoutHistogram(batched);
    record.extra.gateway_batching_on_cpu_us_per_request = round1(cpuUsPerRequest);
    record.extra.batching_on_bare_around = bareAroundJson(bare);
    const r = bench.baselines.ratios(batched, bare);
    record.rows.push(
      loadRow('1d', `same, batching on (${LIGHT_BATCHING.max_batch_size} rows, no delay)`, batched, {
        cpu: cpuCell(cpuUsPerRequest),
        ratio: `${times(r.rps)} bare, p99 ${times(r.p99)}, CPU ${times(ratio(cpuUsPerRequest, bare.cpuUsPerRequest))}; ${times(ratio(batched.rps, logged.outcome.rps))} row 1 (${describeAround(bare)})`,
        target: 'reported',
      }),
    );
  } finally {
    await setBatching(null);
  }
}

/**
 * The whole machine's CPU per response, bare against the gateway's runs: the server, the load
 * generator, and (for the gateway) the processes the prediction log keeps busy. On cores they all
 * share, req/s at best is the cores ÷ that sum; the note says how much 0.85× bare leaves the gateway.
 * Bare is the mean of its runs around scenario 1's, as the ratios are.
 */
function budgetNote(record: ScenarioRecord, bare: BareAround, runs: Array<{ name: string; outcome: LoadOutcome; serverUs: number; beside: Record<string, number> }>): void {
  const cores = cpus().length;
  const baseline = { name: 'bare', budget: cpuBudget({ server: bare.cpuUsPerRequest, 'load generator': bare.loadCpuUsPerResponse }, cores), rps: bare.rps };
  const budgeted = runs.map((run) => ({
    name: run.name,
    budget: cpuBudget({ server: run.serverUs, 'load generator': loadCpuUsPerResponse(run.outcome), ...run.beside }, cores),
    rps: run.outcome.rps,
  }));
  record.extra.cpu_budget = { cores, bare: baseline.budget, ...Object.fromEntries(budgeted.map(({ name, budget }) => [name, budget])) };
  record.notes.push(describeBudgets(cores, baseline, budgeted, 0.85));
}

function roundEach(figures: Record<string, number>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(figures).map(([name, value]) => [name, round1(value)]));
}

/** Scenario 1's measured run: the steady state scenarios 2 and 6 compare with (undefined when it did not run). */
export function steadyRun(bench: Bench): LoadOutcome | undefined {
  return bench.records.get(1)?.runs.gateway as LoadOutcome | undefined;
}

export const gatewayPredict: Scenario = { id: 1, name: 'gateway', title: 'gateway /v1 predict, light, A/B 90/10', needsSystem: true, comparesToBare: true, drivesGateways: true, run };
