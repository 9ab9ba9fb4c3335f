import * as path from 'node:path';
import { type Client, credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { LoadOutcome, LoadSpec } from './load';
import { summarise } from './load';
import { LIGHT_LAYERS, LIGHT_ROW } from './models';

/**
 * The gRPC counterpart of bench/load-worker.ts (same messages with bench/load.ts): `connections` grpc-js
 * channels, each its own HTTP/2 connection with one ModelInfer in flight at a time, as autocannon keeps
 * one request in flight per connection. Calls carry the light model's row as raw_input_contents (FP32
 * [1, 64], little-endian), as Triton's and KServe's gRPC clients send numpy arrays, and cycle through
 * `routingKeys` x-routing-key values. Stubs come from the committed .proto (copied to dist by the build).
 */

const PROTO = path.join(__dirname, '..', 'apps', 'gateway', 'proto', 'open_inference_grpc.proto');

type InferStub = Client & { ModelInfer(request: unknown, metadata: Metadata, callback: (error: ServiceError | null) => void): void };

function rawRow(): Buffer {
  const view = new DataView(new ArrayBuffer(LIGHT_ROW.length * 4));
  LIGHT_ROW.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return Buffer.from(view.buffer);
}

function connect(spec: LoadSpec): Promise<InferStub[]> {
  const definition = loadSync(PROTO, { keepCase: true, longs: String });
  const Service = (loadPackageDefinition(definition) as any).inference.GRPCInferenceService;
  // A local subchannel pool per client: otherwise grpc-js would share one connection among them all.
  const stubs: InferStub[] = Array.from({ length: spec.connections }, () => new Service(spec.url, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  return Promise.all(
    stubs.map((stub) => new Promise<InferStub>((resolve, reject) => stub.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve(stub))))),
  );
}

interface Drive {
  ok: number;
  errors: number;
  codes: Record<string, number>;
  durationS: number;
  histogram: Map<number, number>;
}

async function drive(stubs: InferStub[], spec: LoadSpec, durationS: number): Promise<Drive> {
  const request = { model_name: spec.grpcModel, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, LIGHT_LAYERS[0]] }], raw_input_contents: [rawRow()] };
  const result: Drive = { ok: 0, errors: 0, codes: {}, durationS, histogram: new Map() };
  const started = performance.now();
  const deadline = started + durationS * 1000;
  let sent = 0;
  await Promise.all(
    stubs.map(async (stub) => {
      while (performance.now() < deadline) {
        const metadata = new Metadata();
        if (spec.routingKeys) metadata.set('x-routing-key', `bench-key-${sent % spec.routingKeys}`);
        sent++;
        const at = performance.now();
        const error = await new Promise<ServiceError | null>((resolve) => stub.ModelInfer(request, metadata, resolve));
        if (error) {
          result.errors++;
          result.codes[String(error.code)] = (result.codes[String(error.code)] ?? 0) + 1;
          continue;
        }
        result.ok++;
        const us = Math.round((performance.now() - at) * 1000);
        result.histogram.set(us, (result.histogram.get(us) ?? 0) + 1);
      }
    }),
  );
  result.durationS = (performance.now() - started) / 1000;
  return result;
}

async function run(spec: LoadSpec): Promise<LoadOutcome> {
  const stubs = await connect(spec);
  try {
    if (spec.warmupS > 0) await drive(stubs, spec, spec.warmupS);
    process.send!({ type: 'measuring' });
    const cpuAtStart = process.cpuUsage();
    const measured = await drive(stubs, spec, spec.durationS);
    const cpu = process.cpuUsage(cpuAtStart);
    const entries = [...measured.histogram.entries()];
    return {
      label: spec.label,
      connections: spec.connections,
      duration_s: Number(measured.durationS.toFixed(3)),
      ok: measured.ok,
      // A gRPC call has no HTTP status: a failed one is an error, counted by its gRPC status code.
      non2xx: 0,
      errors: measured.errors,
      timeouts: 0,
      status_codes: { OK: measured.ok, ...measured.codes },
      rps: Number((measured.ok / measured.durationS).toFixed(1)),
      latency: summarise(entries),
      load_cpu_s: (cpu.user + cpu.system) / 1e6,
      histogram: entries,
    };
  } finally {
    for (const stub of stubs) stub.close();
  }
}

process.on('message', (message: { type: string; spec: LoadSpec }) => {
  if (message.type !== 'start') return;
  run(message.spec).then(
    (outcome) => process.send!({ type: 'result', outcome }, () => process.exit(0)),
    (error: unknown) => process.send!({ type: 'error', message: error instanceof Error ? error.message : String(error) }, () => process.exit(1)),
  );
});
process.on('SIGTERM', () => process.exit(1));
process.send!({ type: 'ready' });
