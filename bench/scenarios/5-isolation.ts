import { ratio, times } from '../figures';
import { runLoads } from '../load';
import { check, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';

/** 5a light alone at n/4 connections; then 5b heavy at n and 5c light at n/4 at once. */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const lightConnections = Math.max(1, Math.round(bench.connections / 4));
  const heavyConnections = bench.connections;
  const gateway = bench.system.gateways[0].url;
  const [alone] = await runLoads([bench.spec('light alone', gateway, { connections: lightConnections })]);
  const [heavy, light] = await runLoads([bench.heavySpec('heavy saturating', heavyConnections), bench.spec('light beside heavy', gateway, { connections: lightConnections })]);
  for (const [name, o] of [['light alone', alone], ['heavy', heavy], ['light beside heavy', light]] as const) {
    record.failures.push(...servedEverything(o, `scenario 5 (${name})`));
  }
  record.runs = { light_alone: withoutHistogram(alone), heavy: withoutHistogram(heavy), light_beside_heavy: withoutHistogram(light) };
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

export const isolation: Scenario = { id: 5, name: 'isolation', title: 'light p99 beside saturated heavy', needsSystem: true, drivesGateways: true, run };
