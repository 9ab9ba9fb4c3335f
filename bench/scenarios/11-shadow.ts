import { Client } from 'pg';
import { ratio, times } from '../figures';
import { predictionsByVariant, series } from '../gateway-metrics';
import { call, expectStatus, poll } from '../http';
import { runLoads } from '../load';
import { LIGHT } from '../models';
import { check, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';

/** Every request pinned to the champion, so both runs serve the same version and all of it is copied in 11b. */
const CHAMPION_ONLY = { 'x-switchyard-variant': 'champion' };

/** Shadow copies (ok, error) and drops a gateway counted for a model, from its /metrics text. */
function shadowCounters(text: string, model: string): { ran: number; dropped: number } {
  const sum = (name: string) => series(text, name).filter((s) => s.labels.model === model).reduce((total, s) => total + s.value, 0);
  return { ran: sum('switchyard_shadow_copies_total'), dropped: sum('switchyard_shadow_dropped_total') };
}

/**
 * 11a, 11b, 11c: the light champion alone, then with a shadow (v3) copying 100 % of its requests, then
 * alone again, same load; 11b is compared with the mean of 11a and 11c, so a machine whose load drifts
 * during the scenario (other work on shared cores) tilts neither side. The shadow runs after each
 * answer, through its bounded queue; every champion prediction of 11b must end up either a shadow row
 * in the log or a counted drop.
 */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system } = bench;
  const gateway = system.gateways[0];
  const registry = (path: string) => `${system.registryUrl}/v1/models/${LIGHT}${path}`;
  const [alone] = await runLoads([bench.spec('champion alone', gateway.url, { headers: CHAMPION_ONLY })]);
  record.failures.push(...servedEverything(alone, 'scenario 11a'));

  const aliased = expectStatus(await call(registry('/aliases/shadow'), 'PUT', { version: 3 }), 200, 'light shadow');
  expectStatus(await call(registry('/traffic'), 'PUT', { shadow_percent: 100 }, { 'if-match': `"${String(aliased.body.revision)}"` }), 200, 'light shadow at 100 %');
  await system.waitForRollout(LIGHT);

  const pg = new Client({ connectionString: system.databaseUrl });
  await pg.connect();
  let cleared = false;
  try {
    const shadowRows = async () => Number((await pg.query('SELECT count(*) AS n FROM prediction_log WHERE model_name = $1 AND shadow', [LIGHT])).rows[0].n);
    const rowsBefore = await shadowRows();
    const metricsBefore = await system.metrics();
    const [shadowed] = await runLoads([bench.spec('champion with a shadow at 100 %', gateway.url, { headers: CHAMPION_ONLY })]);
    record.failures.push(...servedEverything(shadowed, 'scenario 11b'));

    // Copies still queued run after the load: wait until each champion prediction is a copy or a drop.
    const champion = () => predictionsByVariant(metricsBefore, LIGHT).champion ?? 0;
    const served = async () => ((predictionsByVariant(await system.metrics(), LIGHT).champion ?? 0) - champion());
    const before = shadowCounters(metricsBefore, LIGHT);
    const counters = await poll('every copy run or dropped', 60_000, async () => {
      const now = shadowCounters(await system.metrics(), LIGHT);
      const delta = { ran: now.ran - before.ran, dropped: now.dropped - before.dropped };
      return delta.ran + delta.dropped === (await served()) ? delta : undefined;
    }, 250);
    const championPredictions = await served();
    // Then until the worker has ingested every copy the gateway ran.
    const logged = await poll('every shadow answer ingested', 120_000, async () => {
      const rows = (await shadowRows()) - rowsBefore;
      return rows >= counters.ran ? rows : undefined;
    }, 500).catch(async () => (await shadowRows()) - rowsBefore);

    // The shadow is cleared for the second run alone (and for the scenarios after this one).
    expectStatus(await call(registry('/aliases/shadow'), 'DELETE'), 200, 'light shadow cleared');
    cleared = true;
    await system.waitForRollout(LIGHT);
    const [aloneAgain] = await runLoads([bench.spec('champion alone again', gateway.url, { headers: CHAMPION_ONLY })]);
    record.failures.push(...servedEverything(aloneAgain, 'scenario 11c'));
    const aloneRps = (alone.rps + aloneAgain.rps) / 2;
    const aloneP99 = (alone.latency.p99_ms + aloneAgain.latency.p99_ms) / 2;
    const rps = ratio(shadowed.rps, aloneRps);
    const p99 = ratio(shadowed.latency.p99_ms, aloneP99);
    record.checks.push(check('req/s with shadow ÷ alone', rps, '>=', 0.9), check('p99 with shadow ÷ alone', p99, '<=', 1.2));
    if (logged !== championPredictions - counters.dropped) {
      record.failures.push(`scenario 11: ${logged} shadow answers logged, expected ${championPredictions} champion predictions − ${counters.dropped} dropped = ${championPredictions - counters.dropped}`);
    }
    record.runs.champion_alone = withoutHistogram(alone);
    record.runs.champion_with_shadow = withoutHistogram(shadowed);
    record.runs.champion_alone_again = withoutHistogram(aloneAgain);
    record.extra = { champion_predictions: championPredictions, shadow_logged: logged, shadow_dropped: counters.dropped, shadow_ran: counters.ran };
    record.notes.push(
      `shadow at 100 %: ${championPredictions} champion predictions (warm-up included), ${logged} shadow answers logged, ${counters.dropped} copies dropped (GATEWAY_SHADOW_QUEUE_SIZE, GATEWAY_SHADOW_CONCURRENCY)`,
    );
    record.rows.push(
      loadRow('11a', `light champion alone, ${bench.connections} conn`, alone),
      loadRow('11b', 'same, shadow v3 at 100 % of the champion', shadowed, {
        ratio: `${times(rps)} alone (mean of 11a, 11c), p99 ${times(p99)}; logged ${logged} = ${championPredictions} − ${counters.dropped} dropped`,
        target: '≥0.9× req/s, p99 ≤1.2×',
        verdict: verdictOf(record.checks),
      }),
      loadRow('11c', 'light champion alone again (shadow cleared)', aloneAgain),
    );
    record.verdict = verdictOf(record.checks);
  } finally {
    await pg.end();
    // Later scenarios (the hot swap) expect the light model as it was: no shadow.
    if (!cleared) {
      expectStatus(await call(registry('/aliases/shadow'), 'DELETE'), 200, 'light shadow cleared');
      await system.waitForRollout(LIGHT);
    }
  }
}

export const shadow: Scenario = { id: 11, name: 'shadow', title: 'light champion with a shadow at 100 %', needsSystem: true, drivesGateways: true, run };
