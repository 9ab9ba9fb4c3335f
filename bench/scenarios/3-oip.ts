import { ratio, round1, times } from '../figures';
import { LIGHT, LIGHT_OIP_BODY } from '../models';
import { loadWithCpu } from '../process-cpu';
import { check, cpuCell, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';

/** `POST /v2/models/light/infer` (Open Inference Protocol), driven like scenario 1. */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const gateway = bench.system.gateways[0];
  const { outcome, cpuUsPerRequest } = await loadWithCpu(bench.spec('gateway /v2 infer', gateway.url, { path: `/v2/models/${LIGHT}/infer`, body: LIGHT_OIP_BODY }), gateway.process.child.pid!);
  const r = bench.baselines.ratios(outcome);
  record.checks.push(check('req/s ÷ bare req/s', r.rps, '>=', 0.8));
  record.failures.push(...servedEverything(outcome, 'scenario 3'));
  record.runs.oip = withoutHistogram(outcome);
  record.extra = { ratio_to_in_process: r.inProcess, p99_ratio_to_bare: r.p99, gateway_cpu_us_per_request: round1(cpuUsPerRequest) };
  record.rows.push(
    loadRow('3', `gateway /v2 infer (OIP), light, ${bench.connections} conn`, outcome, {
      cpu: cpuCell(cpuUsPerRequest),
      ratio: `${times(r.rps)} bare, p99 ${times(r.p99)}, CPU ${times(ratio(cpuUsPerRequest, bench.baselines.bareCpuUsPerRequest))}, ${times(r.inProcess)} in-proc`,
      target: '≥0.8× bare',
      verdict: verdictOf(record.checks),
    }),
  );
}

export const oip: Scenario = { id: 3, name: 'oip', title: 'gateway /v2 infer (OIP), light', needsSystem: true, comparesToBare: true, drivesGateways: true, run };
