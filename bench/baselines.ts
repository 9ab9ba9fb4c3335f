import * as ort from 'onnxruntime-node';
import { SERVING_SESSION_OPTIONS } from '@switchyard/onnx';
import { ms, ratio, round, round1, times } from './figures';
import { combine, type LoadOutcome } from './load';
import { BATCHING, HEAVY, HEAVY_LAYERS, HEAVY_ROW, LIGHT, LIGHT_LAYERS, LIGHT_ROW } from './models';
import { loadsOnOneServer, loadWithCpu } from './process-cpu';
import { cpuCell, loadRow, type Row, withoutHistogram } from './record';
import type { Bench } from './runner';

interface InProcess {
  model: string;
  batch: number;
  seconds: number;
  runs: number;
  inferences_per_s: number;
  run_ms: number;
}

/** The limit: a tight loop of session.run on one session in this process, nothing else running. */
async function inProcessLimit(model: string, bytes: Uint8Array, width: number, batch: number, seconds: number): Promise<InProcess> {
  const session = await ort.InferenceSession.create(bytes, SERVING_SESSION_OPTIONS);
  try {
    const data = new Float32Array(batch * width);
    const row = width === LIGHT_LAYERS[0] ? LIGHT_ROW : HEAVY_ROW;
    for (let i = 0; i < data.length; i++) data[i] = row[i % width];
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [batch, width]) };
    const warmUntil = performance.now() + Math.min(500, seconds * 200);
    while (performance.now() < warmUntil) await session.run(feeds);
    let runs = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    while (performance.now() < deadline) {
      await session.run(feeds);
      runs++;
    }
    const elapsed = (performance.now() - started) / 1000;
    return {
      model,
      batch,
      seconds: Number(elapsed.toFixed(2)),
      runs,
      inferences_per_s: Math.round((runs * batch) / elapsed),
      run_ms: Number(((elapsed * 1000) / runs).toFixed(4)),
    };
  } finally {
    await session.release();
  }
}

/**
 * The two baselines every ratio is to, measured in the same run before the system starts: onnxruntime
 * in this process (the limit) and the bare server (bench/bare-server.ts) driven like scenario 1.
 */
export class Baselines {
  /** Everything measured, as the JSON results file holds it. */
  readonly json: Record<string, unknown> = {};
  readonly rows: Row[] = [];
  /** The one-server figure scenarios 1–3 compare with, and the two-worker one (one port) for scenario 2. */
  bare: LoadOutcome | null = null;
  bareTwo: LoadOutcome | null = null;
  /** The bare server's own CPU time per response (see process-cpu.ts), what a gateway's is compared with. */
  bareCpuUsPerRequest = NaN;
  /** The same for the bare server as a 2-worker cluster (the primary and its workers) under scenario 2's loads. */
  bareTwoCpuUsPerRequest = NaN;
  private inProcessLight: InProcess | null = null;
  /** One 32-row run of the heavy model, for scenario 4's p99 target. */
  heavyBatchMs: number | null = null;

  async measureInProcess(bench: Bench): Promise<void> {
    const lightSeconds = Math.min(5, Math.max(1, bench.durationS / 2));
    this.inProcessLight = await inProcessLimit(LIGHT, bench.models.light[0], LIGHT_LAYERS[0], 1, lightSeconds);
    const rows: InProcess[] = [this.inProcessLight];
    if (bench.selected(4)) {
      const heavySeconds = Math.min(2, Math.max(0.5, bench.durationS / 5));
      rows.push(await inProcessLimit(HEAVY, bench.models.heavy, HEAVY_LAYERS[0], 1, heavySeconds));
      const batched = await inProcessLimit(HEAVY, bench.models.heavy, HEAVY_LAYERS[0], BATCHING.max_batch_size, heavySeconds);
      rows.push(batched);
      this.heavyBatchMs = batched.run_ms;
    }
    this.json.in_process = rows;
    for (const r of rows) {
      this.rows.push({
        id: 'base',
        scenario: `in-process onnxruntime, ${r.model}, batch ${r.batch}`,
        figure: `${round(r.inferences_per_s)} inf/s`,
        p50: ms(r.run_ms),
        p99: '—',
        non2xx: '—',
        errors: '—',
        cpu: '',
        ratio: r.batch === 1 && r.model === LIGHT ? 'the limit' : `${ms(r.run_ms)} ms per run`,
        target: '',
        verdict: 'n/a',
      });
    }
  }

  async measureBare(bench: Bench): Promise<void> {
    const { system, connections } = bench;
    // `workers` bare servers on one port (a node:cluster of them beyond 1), driven by as many load
    // generators at once with the connections split between them, as scenario 2 drives the gateway.
    const runBare = async (workers: number): Promise<LoadOutcome[]> => {
      const { url, process: server } = await system.bareServer(workers);
      try {
        if (workers === 1) {
          const { outcome, cpuUsPerRequest } = await loadWithCpu(bench.spec('bare 1/1', url, { connections }), server.child.pid!);
          this.bareCpuUsPerRequest = cpuUsPerRequest;
          return [outcome];
        }
        const perLoad = Math.max(1, Math.round(connections / workers));
        const specs = Array.from({ length: workers }, (_, i) => bench.spec(`bare ${i + 1}/${workers}`, url, { connections: perLoad }));
        const { outcomes, cpuUsPerRequest } = await loadsOnOneServer(`bare x${workers}`, specs, server.child.pid!);
        this.bareTwoCpuUsPerRequest = cpuUsPerRequest;
        return outcomes;
      } finally {
        await system.stopProcess(server);
      }
    };
    const [bare] = await runBare(1);
    this.bare = bare;
    this.json.bare = { ...withoutHistogram(bare), cpu_us_per_request: round1(this.bareCpuUsPerRequest) };
    this.rows.push(
      loadRow('base', `bare Fastify + onnxruntime, light, ${connections} conn`, bare, {
        cpu: cpuCell(this.bareCpuUsPerRequest),
        ratio: `${times(ratio(bare.rps, this.inProcessLight?.inferences_per_s))} in-proc`,
      }),
    );
    if (bench.selected(2)) {
      const outcomes = await runBare(2);
      this.bareTwo = combine('bare x2', outcomes);
      this.json.bare_two_workers = { combined: withoutHistogram(this.bareTwo), loads: outcomes.map(withoutHistogram), cpu_us_per_request: round1(this.bareTwoCpuUsPerRequest) };
      this.rows.push(
        loadRow('base', `bare x2 workers on one port, ${connections} conn total`, this.bareTwo, {
          cpu: cpuCell(this.bareTwoCpuUsPerRequest),
          ratio: `${times(ratio(this.bareTwo.rps, bare.rps))} bare`,
        }),
      );
    }
  }

  /** A gateway run's req/s and p99 against the bare server's, and its req/s against the limit. */
  ratios(outcome: LoadOutcome): { rps: number | null; p99: number | null; inProcess: number | null } {
    return {
      rps: ratio(outcome.rps, this.bare?.rps),
      p99: ratio(outcome.latency.p99_ms, this.bare?.latency.p99_ms),
      inProcess: ratio(outcome.rps, this.inProcessLight?.inferences_per_s),
    };
  }
}
