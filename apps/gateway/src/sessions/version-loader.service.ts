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

/** How many runs a version's cost is the fastest of, for the offload decision (see measureCost). */
const COST_RUNS = 20;

/**
 * Turns a version the registry describes into one ready to serve: its bytes (through the disk cache),
 * an onnxruntime session, its signature, a warm-up on its input example, and its cost, which decides
 * whether it runs inline or on an inference thread. It keeps nothing of what it loaded: ModelSessions
 * decides what serves and when it is released.
 */
@Injectable()
export class VersionLoader {
  private costMeasurements: Promise<void> = Promise.resolve();

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
    // From bytes, never a path: a model cannot reach external-data files next to it.
    const session = await ort.InferenceSession.create(bytes, SERVING_SESSION_OPTIONS);
    let runner: VersionRunner = new InlineRunner(session);
    try {
      const signature = signatureOfSession(session);
      const feeds = await warmUp(session, signature, view.version, view.input_example);
      // A version no input was found for cannot be timed: it stays inline, where it was validated to load.
      const inferenceMs = feeds ? await this.measureCost(session, feeds) : 0;
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

  /**
   * The fastest of twenty batch-1 runs, timed natively (see nativeRunMs), is the version's cost.
   * Measurements run one at a time across all models, so a load's timing never shares the cores with
   * another load's warm-up runs.
   */
  private measureCost(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
    const measured = this.costMeasurements.then(async () => {
      let fastest = Infinity;
      for (let i = 0; i < COST_RUNS; i++) fastest = Math.min(fastest, await nativeRunMs(session, feeds));
      return fastest;
    });
    this.costMeasurements = measured.then(
      () => undefined,
      () => undefined,
    );
    return measured;
  }
}

/**
 * How long onnxruntime itself took for one run, without the wait before it. onnxruntime-node starts
 * every run from a setImmediate, so a plain timing also holds whatever the event loop had queued: on a
 * busy gateway a microsecond model reads as milliseconds. A setImmediate queued just before `run` fires
 * just before onnxruntime's own (the queue is FIFO, and `run` queues its callback synchronously), so
 * the clock starts when the native run does; microtasks after it resolve before any other callback.
 */
async function nativeRunMs(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  let started = 0;
  setImmediate(() => (started = performance.now()));
  await session.run(feeds);
  return performance.now() - started;
}
