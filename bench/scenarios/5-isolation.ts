import { ratio, times } from '../figures';
import { runLoads } from '../load';
import { EventLoopSchedule, type EventLoopShares } from '../process-cpu';
import { check, failedRequests, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';

/** 5a light alone at n/4 connections; then 5b heavy at n and 5c light at n/4 at once. */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const lightConnections = Math.max(1, Math.round(bench.connections / 4));
  const heavyConnections = bench.connections;
  const [{ url: gateway, process: gatewayProcess }] = bench.system.gateways;
  // Over each measured part: where the gateway's event loop was, and what its inference thread used.
  const schedule = new EventLoopSchedule(gatewayProcess.child.pid!);
  const [alone] = await runLoads([bench.spec('light alone', gateway, { connections: lightConnections })], { onMeasuring: () => schedule.mark() });
  const aloneSchedule = schedule.sinceMark();
  const [heavy, light] = await runLoads(
    [bench.heavySpec('heavy saturating', heavyConnections), bench.spec('light beside heavy', gateway, { connections: lightConnections })],
    {
      onMeasuring: (label) => {
        if (label === 'light beside heavy') schedule.mark();
      },
    },
  );
  const besideSchedule = schedule.sinceMark();
  for (const [name, o] of [['light alone', alone], ['light beside heavy', light]] as const) {
    record.failures.push(...servedEverything(o, `scenario 5 (${name})`));
  }
  // The heavy load is there to keep the inference thread busy. That thread runs at a lower priority
  // (so that it cannot starve light models): on a machine other work loads too, it may finish nothing
  // within a short window while its requests wait, which is the priority working, not a request failed.
  record.failures.push(...failedRequests(heavy, 'scenario 5 (heavy)'));
  if (heavy.ok === 0) {
    record.notes.push(`5b: the heavy load had no answer within its ${heavy.duration_s}-s window and no error: its requests were still waiting for the inference thread, which other work on the machine kept from a core`);
  }
  record.runs = { light_alone: withoutHistogram(alone), heavy: withoutHistogram(heavy), light_beside_heavy: withoutHistogram(light) };
  if (aloneSchedule && besideSchedule) {
    record.extra.event_loop = { light_alone: aloneSchedule, light_beside_heavy: besideSchedule };
    record.notes.push(`the gateway's event loop ${describeShares('5a', aloneSchedule)}; ${describeShares('5c', besideSchedule)}`);
  }
  const p99Ratio = ratio(light.latency.p99_ms, alone.latency.p99_ms);
  record.checks.push(check('light p99 beside heavy ÷ light p99 alone', p99Ratio, '<=', 2));
  record.rows.push(
    loadRow('5a', `light alone, ${lightConnections} conn`, alone, { ratio: 'the reference for 5c' }),
    loadRow('5b', `heavy, ${heavyConnections} conn (during 5c)`, heavy),
    loadRow('5c', `light, ${lightConnections} conn, beside saturated heavy`, light, {
      ratio: `p99 ${times(p99Ratio)} 5a, req/s ${times(ratio(light.rps, alone.rps))}`,
      target: 'p99 ≤2× 5a',
      verdict: verdictOf(record.checks),
    }),
  );
}

/** "in 5c ran 0.69 of the time and waited for a core 0.26, its other threads used 0.70 of a core". */
function describeShares(run: string, shares: EventLoopShares): string {
  return `in ${run} ran ${shares.ran.toFixed(2)} of the time and waited for a core ${shares.waited.toFixed(2)}, its other threads used ${shares.otherThreadsCores.toFixed(2)} of a core`;
}

export const isolation: Scenario = { id: 5, name: 'isolation', title: 'light p99 beside saturated heavy', needsSystem: true, drivesGateways: true, run };
