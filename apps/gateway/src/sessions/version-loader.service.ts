import { Injectable } from '@nestjs/common';
import * as ort from 'onnxruntime-node';
import { SERVING_SESSION_OPTIONS, servableGraph, signatureOfSession } from '@switchyard/onnx';
import type { LoadableVersionView } from '@switchyard/queues';
import { GatewayMetrics } from '../gateway-metrics';
import { ArtifactCache } from './artifact-cache';
import { InferenceThreads } from './inference-threads';
import { LoadedVersion } from './loaded-version';
import { InlineRunner, type VersionRunner } from './version-runner';
import { warmUp } from './warm-up';

/** How many runs a version's cost is the fastest of, for the offload decision (see timeRuns). */
const COST_RUNS = 20;

/**
 * Turns a version the registry describes into one ready to serve: its bytes (through the disk cache),
 * an onnxruntime session, its signature, a warm-up on its input example, and its cost, which decides
 * whether it runs inline or on an inference thread. It keeps nothing of what it loaded: ModelSessions
 * decides what serves and when it is released.
 */
@Injectable()
export class VersionLoader {
  /** The tail of the loads' CPU-bound steps, which run one load at a time (see load). */
  private compiling: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly cache: ArtifactCache,
    private readonly metrics: GatewayMetrics,
    private readonly threads: InferenceThreads,
  ) {}

  /** Rejects with ArtifactUnavailableError when the bytes could not be fetched (worth a retry later). */
  async load(model: string, view: LoadableVersionView): Promise<LoadedVersion> {
    const started = performance.now();
    // The graph validation ran: a ZipMap classifier serves its probability tensor (see servable-graph).
    const { bytes } = servableGraph(await this.cache.bytes(view.sha256, view.artifact_url));
    // Fetches overlap; the CPU work after them runs one load at a time, so no version's cost is timed
    // while another version's session is created, or an inference thread starts and loads, beside it.
    const loaded = this.compiling.then(() => this.compile(model, view, bytes, started));
    this.compiling = loaded.catch(() => undefined);
    return loaded;
  }

  private async compile(model: string, view: LoadableVersionView, bytes: Buffer, started: number): Promise<LoadedVersion> {
    // From bytes, never a path: a model cannot reach external-data files next to it.
    const session = await ort.InferenceSession.create(bytes, SERVING_SESSION_OPTIONS);
    let runner: VersionRunner = new InlineRunner(session);
    try {
      const signature = signatureOfSession(session);
      const feeds = await warmUp(session, signature, view.version, view.input_example);
      // A version no input was found for cannot be timed: it stays inline, where it was validated to load.
      const inferenceMs = feeds ? await timeRuns(session, feeds) : 0;
      if (this.threads.enabled && inferenceMs > this.threads.offloadAboveMs) {
        runner = await this.threads.load(view.sha256, bytes);
        await session.release();
      }
      this.metrics.loadDuration.observe({ model }, (performance.now() - started) / 1000);
      this.metrics.offloaded.set({ model, version: String(view.version) }, runner.offloaded ? 1 : 0);
      return new LoadedVersion(model, view.version, view.sha256, runner, signature);
    } catch (error) {
      await runner.release();
      throw error;
    }
  }
}

/**
 * The version's cost: the fastest of twenty batch-1 runs, each timed from a mark just before it to one
 * just after it. onnxruntime-node starts every run from a setImmediate, so a plain timing also
 * holds whatever the event loop had queued before it: on a busy gateway a microsecond model reads as
 * milliseconds. Here a mark's setImmediate is queued before each run's (the queue is FIFO, and `run`
 * queues its callback synchronously) and one after the last, all before the event loop's check phase,
 * which then runs every one of them in order with nothing between them but microtasks (an immediate
 * queued before the phase runs in it): mark, run, mark, run… The runs follow each other with the
 * caches warm, and no I/O callback, of a request or of another load, falls between them.
 */
function timeRuns(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  const marks: number[] = [];
  const runs: Promise<unknown>[] = [];
  for (let i = 0; i < COST_RUNS; i++) {
    setImmediate(() => marks.push(performance.now()));
    runs.push(session.run(feeds));
  }
  const end = new Promise<void>((resolve) =>
    setImmediate(() => {
      marks.push(performance.now());
      resolve();
    }),
  );
  return Promise.all([end, ...runs]).then(() => {
    let fastest = Infinity;
    for (let i = 1; i < marks.length; i++) fastest = Math.min(fastest, marks[i] - marks[i - 1]);
    return fastest;
  });
}
