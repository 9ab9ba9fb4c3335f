import { ratio, times } from '../figures';
import { call, sleep } from '../http';
import { runLoads } from '../load';
import { LIGHT } from '../models';
import { check, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';
import { steadyRun } from './1-gateway';

const SWITCHES = 20;

/** 20 champion switches (versions 3 and 1 in turn) spread over a run of 3× `--duration` under scenario 1's load. */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system } = bench;
  const durationS = bench.durationS * 3;
  const gateway = system.gateways[0];
  const switches: Array<{ at_ms: number; version: number; status: number; took_ms: number }> = [];
  let switching: Promise<void> = Promise.resolve();
  const [outcome] = await runLoads([bench.spec('hot swap', gateway.url, { durationS })], {
    onMeasuring: () => {
      switching = (async () => {
        const started = performance.now();
        const every = (durationS * 1000) / (SWITCHES + 1);
        for (let i = 1; i <= SWITCHES; i++) {
          const wait = started + i * every - performance.now();
          if (wait > 0) await sleep(wait);
          const version = i % 2 === 1 ? 3 : 1;
          const t0 = performance.now();
          let status = 0;
          try {
            status = (await call(`${system.registryUrl}/v1/models/${LIGHT}/aliases/champion`, 'PUT', { version })).status;
          } catch {
            status = 0;
          }
          switches.push({ at_ms: Math.round(t0 - started), version, status, took_ms: Number((performance.now() - t0).toFixed(1)) });
        }
      })();
    },
  });
  await switching;
  await system.waitForRollout(LIGHT).catch(() => undefined);
  const failedSwitches = switches.filter((s) => s.status !== 200);
  record.failures.push(...servedEverything(outcome, 'scenario 6'));
  if (failedSwitches.length) record.failures.push(`scenario 6: ${failedSwitches.length} of ${switches.length} champion switches did not answer 200`);
  record.runs.hot_swap = withoutHistogram(outcome);
  const steadyP99 = steadyRun(bench)?.latency.p99_ms ?? null;
  record.extra = { switches, steady_p99_ms: steadyP99 };
  record.checks.push(
    check('non-2xx + errors during switches', outcome.non2xx + outcome.errors, '<=', 0),
    check(`champion switches answered 200 (of ${SWITCHES})`, switches.filter((s) => s.status === 200).length, '>=', SWITCHES),
  );
  const p99Ratio = ratio(outcome.latency.p99_ms, steadyP99);
  record.rows.push(
    loadRow('6', `hot swap: ${switches.length} champion switches in ${durationS} s, ${bench.connections} conn`, outcome, {
      ratio: `p99 ${times(p99Ratio)} steady (1)`,
      target: `0 non-2xx, ${SWITCHES} switches OK`,
      verdict: verdictOf(record.checks),
    }),
  );
}

export const hotSwap: Scenario = { id: 6, name: 'hot-swap', title: 'champion switches under load', needsSystem: true, drivesGateways: true, run };
