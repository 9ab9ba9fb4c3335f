import { ratio, round1, times } from '../figures';
import { loadWithCpu } from '../process-cpu';
import { LIGHT, LIGHT_OIP_BODY } from '../models';
import { check, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';

/**
 * `POST /v2/models/light/infer` (Open Inference Protocol), driven like scenario 1; then (3d) the same
 * inference as gRPC ModelInfer with raw contents on the gateway's gRPC port, at the same concurrency.
 * Each run also measures the gateway's own CPU time per response, so the two wire formats' costs per
 * request compare whatever else shared the cores.
 */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const gateway = bench.system.gateways[0];
  const { outcome, cpuUsPerRequest } = await loadWithCpu(
    bench.spec('gateway /v2 infer', gateway.url, { path: `/v2/models/${LIGHT}/infer`, body: LIGHT_OIP_BODY }),
    gateway.process.child.pid!,
  );
  const r = bench.baselines.ratios(outcome);
  record.checks.push(check('req/s ÷ bare req/s', r.rps, '>=', 0.8));
  record.failures.push(...servedEverything(outcome, 'scenario 3'));
  record.runs.oip = withoutHistogram(outcome);
  record.extra = { ratio_to_in_process: r.inProcess, p99_ratio_to_bare: r.p99, gateway_cpu_us_per_request: round1(cpuUsPerRequest) };
  record.rows.push(
    loadRow('3', `gateway /v2 infer (OIP), light, ${bench.connections} conn`, outcome, {
      ratio: `${times(r.rps)} bare, p99 ${times(r.p99)}, ${times(r.inProcess)} in-proc`,
      target: '≥0.8× bare',
      verdict: verdictOf(record.checks),
    }),
  );
  await grpcRow(bench, record, outcome.rps, cpuUsPerRequest);
}

async function grpcRow(bench: Bench, record: ScenarioRecord, jsonRps: number, jsonCpuUs: number): Promise<void> {
  const gateway = bench.system.gateways[0];
  const { outcome, cpuUsPerRequest } = await loadWithCpu(
    bench.spec('gateway gRPC ModelInfer', gateway.grpcAddress!, { grpcModel: LIGHT, path: '', body: undefined }),
    gateway.process.child.pid!,
  );
  record.failures.push(...servedEverything(outcome, 'scenario 3d'));
  record.runs.grpc = withoutHistogram(outcome);
  record.extra.grpc_gateway_cpu_us_per_request = round1(cpuUsPerRequest);
  record.extra.grpc_vs_json_rps = ratio(outcome.rps, jsonRps);
  record.notes.push(
    `3d: gateway CPU per request ${round1(cpuUsPerRequest)} µs over gRPC (raw contents) against ${round1(jsonCpuUs)} µs for OIP JSON (${round1(cpuUsPerRequest - jsonCpuUs)} µs)`,
  );
  record.rows.push(
    loadRow('3d', `gateway gRPC ModelInfer (raw FP32 [1, 64] → [1, 10]), light, ${bench.connections} channels`, outcome, {
      ratio: `${times(ratio(outcome.rps, jsonRps))} JSON OIP, ${times(bench.baselines.ratios(outcome).rps)} bare; gateway CPU ${round1(cpuUsPerRequest)} vs ${round1(jsonCpuUs)} µs/req`,
      target: 'reported against 3',
      verdict: 'n/a',
    }),
  );
}

export const oip: Scenario = { id: 3, name: 'oip', title: 'gateway /v2 infer (OIP) and gRPC ModelInfer, light', needsSystem: true, comparesToBare: true, drivesGateways: true, run };
