import * as ort from 'onnxruntime-node';
import { SERVING_SESSION_OPTIONS } from '@switchyard/onnx';
import { mean, ms, ratio, round, round1, times } from './figures';
import { combine, type LoadOutcome } from './load';
import { BATCHING, HEAVY, HEAVY_LAYERS, HEAVY_ROW, LIGHT, LIGHT_LAYERS, LIGHT_ROW } from './models';
import { loadCpuUsPerResponse, loadsOnOneServer, loadWithCpu } from './process-cpu';
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

/** One run of the bare server: the load's outcome (the loads' together), its CPU per response, each load's. */
interface BareRun {
  outcome: LoadOutcome;
  cpuUsPerRequest: number;
  loads: LoadOutcome[];
}

/** The bare server around a gateway's run (Baselines.bracket): the mean of the run before it and the run after. */
export interface BareAround {
  rps: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  /** The load generator's own CPU per response. */
  loadCpuUsPerResponse: number;
  /** Before, after. */
  runs: [LoadOutcome, LoadOutcome];
}

/** The bare runs around a gateway's, for the results file. */
export function bareAroundJson(around: BareAround): Record<string, unknown> {
  const [before, after] = around.runs;
  return {
    rps: round1(around.rps),
    p99_ms: around.p99Ms,
    cpu_us_per_request: round1(around.cpuUsPerRequest),
    before: withoutHistogram(before),
    after: withoutHistogram(after),
  };
}

/** How far the host moved between the bare runs around a gateway's, for a row's ratio. */
export function describeAround(around: BareAround, name = 'bare'): string {
  const [before, after] = around.runs;
  return `${name} around it ${round(before.rps)} → ${round(after.rps)} req/s`;
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
    const { connections } = bench;
    const [bare] = await this.withBareServer(bench, 1, (load) => load());
    this.bare = bare.outcome;
    this.bareCpuUsPerRequest = bare.cpuUsPerRequest;
    this.json.bare = { ...withoutHistogram(bare.outcome), cpu_us_per_request: round1(this.bareCpuUsPerRequest) };
    this.rows.push(
      loadRow('base', `bare Fastify + onnxruntime, light, ${connections} conn`, bare.outcome, {
        cpu: cpuCell(this.bareCpuUsPerRequest),
        ratio: `${times(ratio(bare.outcome.rps, this.inProcessLight?.inferences_per_s))} in-proc`,
      }),
    );
    if (bench.selected(2)) {
      const [two] = await this.withBareServer(bench, 2, (load) => load());
      this.bareTwo = two.outcome;
      this.bareTwoCpuUsPerRequest = two.cpuUsPerRequest;
      this.json.bare_two_workers = { combined: withoutHistogram(two.outcome), loads: two.loads.map(withoutHistogram), cpu_us_per_request: round1(this.bareTwoCpuUsPerRequest) };
      this.rows.push(
        loadRow('base', `bare x2 workers on one port, ${connections} conn total`, two.outcome, {
          cpu: cpuCell(this.bareTwoCpuUsPerRequest),
          ratio: `${times(ratio(two.outcome.rps, bare.outcome.rps))} bare`,
        }),
      );
    }
  }

  /**
   * The bare server measured right before and right after `measure` (a gateway's run), `workers` of
   * it on one port, driven as scenario 1 (one load) or scenario 2 (a load per worker) drive theirs.
   * This host's speed moves by a fifth or more within minutes, so a gateway's ratio to a bare run
   * measured minutes earlier says as much about the host's minute as about the gateway; against the
   * mean of two runs on either side of it, the drift mostly cancels (scenario 11 brackets its shadow
   * run the same way).
   */
  async bracket<T>(bench: Bench, workers: number, measure: () => Promise<T>): Promise<{ result: T; bare: BareAround }> {
    let result!: T;
    const [before, after] = await this.withBareServer(bench, workers, async (load) => {
      await load();
      result = await measure();
      await load();
    });
    const around = (pick: (run: BareRun) => number) => mean([pick(before), pick(after)]);
    return {
      result,
      bare: {
        rps: around((run) => run.outcome.rps),
        p99Ms: around((run) => run.outcome.latency.p99_ms),
        cpuUsPerRequest: around((run) => run.cpuUsPerRequest),
        loadCpuUsPerResponse: around((run) => loadCpuUsPerResponse(run.outcome)),
        runs: [before.outcome, after.outcome],
      },
    };
  }

  /**
   * Starts the bare server (`workers` on one port), lets `use` drive it through `load` as often as it
   * likes, stops it, and returns each load's run in order.
   */
  private async withBareServer(bench: Bench, workers: number, use: (load: () => Promise<void>) => Promise<void>): Promise<BareRun[]> {
    const { system, connections } = bench;
    const { url, process: server } = await system.bareServer(workers);
    const outcomes: BareRun[] = [];
    try {
      await use(async () => {
        const label = workers === 1 ? 'bare' : `bare x${workers}`;
        if (workers === 1) {
          const { outcome, cpuUsPerRequest } = await loadWithCpu(bench.spec(`${label} 1/1`, url, { connections }), server.child.pid!);
          outcomes.push({ outcome, cpuUsPerRequest, loads: [outcome] });
          return;
        }
        const perLoad = Math.max(1, Math.round(connections / workers));
        const specs = Array.from({ length: workers }, (_, i) => bench.spec(`${label} ${i + 1}/${workers}`, url, { connections: perLoad }));
        const { outcomes: loads, cpuUsPerRequest } = await loadsOnOneServer(label, specs, server.child.pid!);
        outcomes.push({ outcome: combine(label, loads), cpuUsPerRequest, loads });
      });
    } finally {
      await system.stopProcess(server);
    }
    return outcomes;
  }

  /**
   * A gateway run's req/s and p99 against the bare server's (the runs around it when given, else the
   * baseline measured before the system started), and its req/s against the limit.
   */
  ratios(outcome: LoadOutcome, around?: BareAround): { rps: number | null; p99: number | null; inProcess: number | null } {
    return {
      rps: ratio(outcome.rps, around ? around.rps : this.bare?.rps),
      p99: ratio(outcome.latency.p99_ms, around ? around.p99Ms : this.bare?.latency.p99_ms),
      inProcess: ratio(outcome.rps, this.inProcessLight?.inferences_per_s),
    };
  }
}
