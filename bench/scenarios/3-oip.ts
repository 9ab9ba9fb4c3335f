import { readFileSync, writeFileSync } from 'node:fs';
import { type BareAround, bareAroundJson, describeAround } from '../baselines';
import { mib, ratio, round1, times } from '../figures';
import { poll } from '../http';
import { LIGHT, LIGHT_OIP_BINARY, LIGHT_OIP_BODY, oipBinaryRequest, WIDE, WIDE_FEATURES } from '../models';
import { loadWithCpu } from '../process-cpu';
import { check, cpuCell, loadRow, type ScenarioRecord, servedEverything, verdictOf, withoutHistogram } from '../record';
import type { Bench, Scenario } from '../runner';

/** 3c: the input's size, and how many times it is sent (the largest extra RSS counts). */
const LARGE_INPUT_BYTES = 16 * 1024 * 1024;
const LARGE_REQUESTS = 3;

/**
 * 3: `POST /v2/models/light/infer` (Open Inference Protocol, JSON), driven like scenario 1.
 * 3b: the same request under the binary tensor data extension (FP32 [1, 64] in, [1, 10] out as binary).
 * 3d: the same inference as gRPC ModelInfer with raw contents on the gateway's gRPC port, same concurrency.
 * 3c: one 16 MiB FP32 input sent in binary: the gateway's extra peak RSS, against 2× the input.
 */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const gateway = bench.system.gateways[0];
  const pid = gateway.process.child.pid!;
  // Bare is measured right before and after the JSON run, and the ratios to bare are to their mean.
  const { result: json, bare } = await bench.baselines.bracket(bench, 1, () =>
    loadWithCpu(bench.spec('gateway /v2 infer', gateway.url, { path: `/v2/models/${LIGHT}/infer`, body: LIGHT_OIP_BODY }), pid),
  );
  const binary = await loadWithCpu(
    bench.spec('gateway /v2 infer (binary)', gateway.url, {
      path: `/v2/models/${LIGHT}/infer`,
      body: undefined,
      bodyBase64: LIGHT_OIP_BINARY.body.toString('base64'),
      headers: LIGHT_OIP_BINARY.headers,
    }),
    pid,
  );
  const r = bench.baselines.ratios(json.outcome, bare);
  const rb = bench.baselines.ratios(binary.outcome, bare);
  record.checks.push(check('req/s ÷ bare req/s', r.rps, '>=', 0.8));
  record.failures.push(...servedEverything(json.outcome, 'scenario 3'), ...servedEverything(binary.outcome, 'scenario 3b'));
  record.runs.oip = withoutHistogram(json.outcome);
  record.runs.oip_binary = withoutHistogram(binary.outcome);
  record.extra = {
    ratio_to_in_process: r.inProcess,
    p99_ratio_to_bare: r.p99,
    cpu_us_per_request_json: json.cpuUsPerRequest,
    cpu_us_per_request_binary: binary.cpuUsPerRequest,
    binary_ratio_to_bare: rb.rps,
    bare_around: bareAroundJson(bare),
  };
  record.rows.push(
    loadRow('3', `gateway /v2 infer (OIP), light, ${bench.connections} conn`, json.outcome, {
      cpu: cpuCell(json.cpuUsPerRequest),
      ratio: `${times(r.rps)} bare, p99 ${times(r.p99)}, CPU ${times(ratio(json.cpuUsPerRequest, bare.cpuUsPerRequest))}, ${times(r.inProcess)} in-proc (${describeAround(bare)})`,
      target: '≥0.8× bare',
      verdict: verdictOf(record.checks),
    }),
    loadRow('3b', `gateway /v2 infer, binary tensors, light, ${bench.connections} conn`, binary.outcome, {
      cpu: cpuCell(binary.cpuUsPerRequest),
      ratio: `${times(binary.outcome.rps / json.outcome.rps)} JSON, ${times(rb.rps)} bare; CPU ${times(binary.cpuUsPerRequest / json.cpuUsPerRequest)} JSON`,
      target: 'reported',
      verdict: 'n/a',
    }),
  );
  await grpcRow(bench, record, json.outcome.rps, json.cpuUsPerRequest, bare);
  await largeBinaryInput(bench, record);
}

async function grpcRow(bench: Bench, record: ScenarioRecord, jsonRps: number, jsonCpuUs: number, bare: BareAround): Promise<void> {
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
      cpu: cpuCell(cpuUsPerRequest),
      ratio: `${times(ratio(outcome.rps, jsonRps))} JSON OIP, ${times(bench.baselines.ratios(outcome, bare).rps)} bare; gateway CPU ${round1(cpuUsPerRequest)} vs ${round1(jsonCpuUs)} µs/req`,
      target: 'reported against 3',
      verdict: 'n/a',
    }),
  );
}

/** VmRSS and VmHWM (peak) of a process, in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/**
 * 3c, on a gateway of its own (a body limit that admits 16 MiB; every other setting the default): a
 * warm-up of small binary requests, then each large request between a reset of the kernel's peak-RSS
 * mark (/proc/<pid>/clear_refs) and a read of it, so the figure is the peak the request caused, not a sample.
 */
async function largeBinaryInput(bench: Bench, record: ScenarioRecord): Promise<void> {
  await bench.system.registerChampion(WIDE, bench.models.wide);
  const gateway = await bench.system.extraGateway('gateway-large-input', {
    GATEWAY_MAX_BODY_BYTES: String(4 * LARGE_INPUT_BYTES),
    GATEWAY_MAX_ELEMENTS: String(LARGE_INPUT_BYTES / 2),
  });
  try {
    const pid = gateway.process.child.pid!;
    const send = async (rows: number) => {
      const request = oipBinaryRequest([new Array<number>(WIDE_FEATURES).fill(0.5)].flatMap((row) => Array.from({ length: rows }, () => row)), 'x');
      const response = await fetch(`${gateway.url}/v2/models/${WIDE}/infer`, { method: 'POST', headers: request.headers, body: request.body });
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200) throw new Error(`${WIDE} infer answered ${response.status}: ${body.toString('utf8').slice(0, 200)}`);
      const headerLength = Number(response.headers.get('inference-header-content-length'));
      // Each row sums WIDE_FEATURES halves.
      if (body.readFloatLE(headerLength) !== WIDE_FEATURES / 2) throw new Error(`${WIDE} answered ${body.readFloatLE(headerLength)}, not ${WIDE_FEATURES / 2}`);
    };
    await poll(`gateway-large-input serving ${WIDE}`, 30_000, async () => (await send(1).then(() => true).catch(() => undefined)));
    for (let i = 0; i < 20; i++) await send(1);
    const rows = LARGE_INPUT_BYTES / (WIDE_FEATURES * 4);
    const extras: number[] = [];
    const samples: Array<{ rss_before: number; peak: number; rss_after: number }> = [];
    for (let i = 0; i < LARGE_REQUESTS; i++) {
      const before = memoryOf(pid).rss;
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      await send(rows);
      const after = memoryOf(pid);
      samples.push({ rss_before: before, peak: after.peak, rss_after: after.rss });
      extras.push(after.peak - before);
    }
    const extra = Math.max(...extras);
    record.extra.large_input = { input_bytes: LARGE_INPUT_BYTES, extra_peak_rss_bytes: extras, samples };
    const memoryCheck = check('extra RSS ÷ input size', extra / LARGE_INPUT_BYTES, '<=', 2);
    record.checks.push(memoryCheck);
    record.rows.push({
      id: '3c',
      scenario: `16 MiB FP32 input in binary (${WIDE}, [${rows}, ${WIDE_FEATURES}]), gateway peak RSS`,
      figure: `+${mib(extra)}`,
      p50: '—',
      p99: '—',
      non2xx: '0',
      errors: '0',
      cpu: '',
      ratio: `${times(extra / LARGE_INPUT_BYTES)} input (max of ${LARGE_REQUESTS}: ${extras.map(mib).join(', ')})`,
      target: '<2× input',
      verdict: verdictOf([memoryCheck]),
    });
  } finally {
    await bench.system.stopProcess(gateway.process);
  }
}

export const oip: Scenario = { id: 3, name: 'oip', title: 'gateway /v2 infer (OIP JSON, binary, 16 MiB binary input) and gRPC ModelInfer, light', needsSystem: true, comparesToBare: true, drivesGateways: true, run };
