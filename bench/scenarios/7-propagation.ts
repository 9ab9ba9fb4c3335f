import { ms, percentile } from '../figures';
import { call, poll, sleep } from '../http';
import { LIGHT, LIGHT_PREDICT_BODY } from '../models';
import { check, type ScenarioRecord, verdictOf } from '../record';
import type { Bench, Scenario } from '../runner';

const PROPAGATION_CHANGES = 20;

/**
 * Two gateways polled in a tight loop for the champion while its alias changes 20 times: the time from
 * the registry's 200 to the first response of the new version on either replica ("first") and on both ("all").
 */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system } = bench;
  await system.ensureSecondGateway();
  await system.waitForRollout(LIGHT);
  interface Seen {
    version: number;
    at: number;
  }
  const latest: Seen[] = system.gateways.map(() => ({ version: 0, at: 0 }));
  const history: Seen[][] = system.gateways.map(() => []);
  let running = true;
  let pollErrors = 0;
  let polls = 0;
  const pollers = system.gateways.map(async (gateway, index) => {
    while (running) {
      try {
        const response = await fetch(`${gateway.url}/v1/models/${LIGHT}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-switchyard-variant': 'champion' },
          body: LIGHT_PREDICT_BODY,
        });
        await response.arrayBuffer();
        const at = performance.now();
        polls++;
        if (!response.ok) {
          pollErrors++;
          continue;
        }
        const seen = { version: Number(response.headers.get('x-switchyard-version')), at };
        latest[index] = seen;
        history[index].push(seen);
        if (history[index].length > 10_000) history[index].splice(0, 5_000);
      } catch {
        pollErrors++;
        await sleep(5);
      }
    }
  });
  const changes: Array<{ to: number; first_ms: number | null; all_ms: number | null; per_replica_ms: Array<number | null>; status: number; regressions: number }> = [];
  try {
    await poll('both replicas answering', 10_000, async () => (latest.every((l) => l.version > 0) ? true : undefined), 20);
    for (let i = 0; i < PROPAGATION_CHANGES; i++) {
      const current = (await call(`${system.registryUrl}/v1/models/${LIGHT}/deployment`, 'GET')).body.champion.version as number;
      const to = current === 1 ? 3 : 1;
      const sent = performance.now();
      const answer = await call(`${system.registryUrl}/v1/models/${LIGHT}/aliases/champion`, 'PUT', { version: to });
      const acknowledged = performance.now();
      if (answer.status !== 200) {
        changes.push({ to, first_ms: null, all_ms: null, per_replica_ms: [], status: answer.status, regressions: 0 });
        continue;
      }
      // First response from the new version on each replica (completed after the PUT was sent),
      // measured from the registry's 200; negative (seen before the 200 arrived) counts as 0.
      const firstSeen = await poll(
        `change ${i + 1} (champion → v${to}) on both replicas`,
        10_000,
        async () => {
          const found = history.map((h) => h.find((s) => s.at >= sent && s.version === to)?.at ?? null);
          return found.every((f) => f !== null) ? (found as number[]) : undefined;
        },
        2,
      ).catch(() => history.map((h) => h.find((s) => s.at >= sent && s.version === to)?.at ?? null));
      const perReplica = firstSeen.map((at) => (at === null ? null : Math.max(0, at - acknowledged)));
      const known = perReplica.filter((v): v is number => v !== null);
      // A replica that answers with the old version after it served the new one.
      await sleep(100);
      const regressions = history.reduce((sum, h, index) => {
        const from = firstSeen[index];
        return from === null ? sum : sum + h.filter((s) => s.at > from && s.version !== to).length;
      }, 0);
      changes.push({
        to,
        first_ms: known.length ? Number(Math.min(...known).toFixed(3)) : null,
        all_ms: known.length === perReplica.length ? Number(Math.max(...known).toFixed(3)) : null,
        per_replica_ms: perReplica.map((v) => (v === null ? null : Number(v.toFixed(3)))),
        status: answer.status,
        regressions,
      });
    }
  } finally {
    running = false;
    await Promise.all(pollers);
  }
  const first = changes.map((c) => c.first_ms).filter((v): v is number => v !== null);
  const all = changes.map((c) => c.all_ms).filter((v): v is number => v !== null);
  const missing = changes.filter((c) => c.all_ms === null).length;
  const regressions = changes.reduce((sum, c) => sum + c.regressions, 0);
  if (missing) record.failures.push(`scenario 7: ${missing} of ${changes.length} changes did not reach both replicas within 10 s (or the PUT failed)`);
  if (pollErrors) record.failures.push(`scenario 7: ${pollErrors} of ${polls} polls failed`);
  if (regressions) record.notes.push(`${regressions} responses from the old version after a replica had served the new one`);
  const p99All = missing ? Infinity : percentile(all, 99);
  record.checks.push(check('p99 time to all replicas (ms)', p99All, '<=', 1000));
  record.extra = { changes, polls, poll_errors: pollErrors, regressions, first_ms: { p50: percentile(first, 50), p99: percentile(first, 99) }, all_ms: { p50: percentile(all, 50), p99: percentile(all, 99) } };
  record.rows.push({
    id: '7',
    scenario: `propagation: ${changes.length} changes, 2 replicas (to all)`,
    figure: '—',
    p50: ms(percentile(all, 50)),
    p99: missing ? 'timeout' : ms(percentile(all, 99)),
    non2xx: String(pollErrors),
    errors: String(missing),
    cpu: '',
    ratio: `first: p50 ${ms(percentile(first, 50))}, p99 ${ms(percentile(first, 99))} ms`,
    target: 'p99 (all) ≤1000 ms',
    verdict: verdictOf(record.checks),
  });
}

export const propagation: Scenario = { id: 7, name: 'propagation', title: 'alias change → both replicas', needsSystem: true, drivesGateways: true, usesSecondGateway: true, run };
