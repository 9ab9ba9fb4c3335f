import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import * as ort from 'onnxruntime-node';
import { Worker } from 'node:worker_threads';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from '@switchyard/http';
import { TypedConfig } from '@switchyard/config';
import { programPath } from '@switchyard/programs';
import { compactData } from '@switchyard/tensor';
import type { ThreadMessage, ThreadReply, ThreadRequest, WireTensor } from './inference-thread-protocol';
import type { VersionRunner } from './version-runner';

/** How long a closing inference thread may take to finish the call it holds (a heavy model's run, a load). */
const CLOSE_GRACE_MS = 30_000;

/** One worker thread running inference-thread.ts: requests go in with an id, replies come back with it. */
class InferenceThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (reply: ThreadReply) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  inFlight = 0;

  constructor() {
    // The program compiled from inference-thread.ts (programPath says how tests running from source find it).
    this.worker = new Worker(programPath(__filename, 'inference-thread'));
    this.worker.on('message', (reply: ThreadReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`inference thread exited with code ${code}`)));
    this.worker.unref();
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  async call(message: ThreadRequest, transfer: ArrayBuffer[] = []): Promise<ThreadReply & { ok: true }> {
    const id = this.nextId++;
    this.inFlight += 1;
    try {
      const reply = await new Promise<ThreadReply>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.worker.postMessage({ ...message, id }, transfer);
      });
      if (!reply.ok) throw new Error(reply.error);
      return reply;
    } finally {
      this.inFlight -= 1;
    }
  }

  /**
   * Asks the thread to end itself (see the 'close' request) and waits for it; a call it holds finishes
   * first. Only a thread still running after `graceMs` (a native call that never returns) is
   * terminated from outside, at the risk that request exists to avoid.
   */
  async close(graceMs: number): Promise<'closed' | 'terminated'> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ kind: 'close', id: this.nextId++ } satisfies ThreadMessage);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      exited.then(() => 'closed' as const),
      new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs).unref())),
    ]);
    clearTimeout(timer);
    if (outcome === 'closed') return outcome;
    await this.worker.terminate();
    return 'terminated';
  }
}

/** A version loaded in every inference thread; each run goes to the least busy one. */
class ThreadRunner implements VersionRunner {
  readonly offloaded = true;

  constructor(
    private readonly threads: InferenceThread[],
    private readonly key: string,
  ) {}

  async run(feeds: Record<string, ort.Tensor>, outputNames?: string[]): Promise<Record<string, ort.Tensor>> {
    const thread = this.threads.reduce((best, t) => (t.inFlight < best.inFlight ? t : best));
    const wire: Record<string, WireTensor> = {};
    // A request's arrays are views on a shared buffer, which a structured clone would copy whole.
    for (const [name, tensor] of Object.entries(feeds)) wire[name] = { type: tensor.type, dims: tensor.dims, data: ArrayBuffer.isView(tensor.data) ? compactData(tensor.data) : tensor.data };
    const reply = await thread.call({ kind: 'run', key: this.key, feeds: wire, outputNames });
    const results: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(reply.outputs ?? {})) results[name] = new ort.Tensor(t.type, t.data as never, t.dims);
    return results;
  }

  async release(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.call({ kind: 'release', key: this.key })));
  }
}

/**
 * Worker threads for heavy models: a model whose warm-up inference took longer than
 * GATEWAY_OFFLOAD_ABOVE_MS runs here, so it cannot stall health checks or light models on the event
 * loop. GATEWAY_INFERENCE_THREADS = 0 keeps everything inline.
 */
@Injectable()
export class InferenceThreads implements OnApplicationShutdown {
  private readonly logger = new Logger(InferenceThreads.name);
  private threads: InferenceThread[] | null = null;
  private closed = false;
  private keys = 0;
  readonly offloadAboveMs: number;
  private readonly count: number;

  constructor(config: TypedConfig, metrics: MetricsRegistry) {
    this.offloadAboveMs = config.get('GATEWAY_OFFLOAD_ABOVE_MS');
    this.count = config.get('GATEWAY_INFERENCE_THREADS');
    const threads = () => this.threads ?? [];
    new Gauge({
      name: 'switchyard_inference_threads_in_flight',
      help: 'Calls (runs, loads, releases) in flight in the inference threads',
      registers: [metrics.registry],
      collect() {
        this.set(threads().reduce((sum, thread) => sum + thread.inFlight, 0));
      },
    });
  }

  get enabled(): boolean {
    return this.count > 0;
  }

  /** Threads start on first use: a gateway serving only light models never pays for them. */
  private pool(): InferenceThread[] {
    // A load still under way when the gateway shuts down must not start threads nobody will close.
    if (this.closed) throw new Error('the inference threads are closed: the gateway is shutting down');
    this.threads ??= Array.from({ length: this.count }, () => new InferenceThread());
    return this.threads;
  }

  async load(sha256: string, bytes: Buffer): Promise<VersionRunner> {
    const threads = this.pool();
    const key = `${sha256}#${this.keys++}`;
    await Promise.all(threads.map((thread) => thread.call({ kind: 'load', key, bytes })));
    this.logger.log({ key, threads: threads.length }, 'version offloaded to inference threads');
    return new ThreadRunner(threads, key);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const outcomes = await Promise.all((this.threads ?? []).map((thread) => thread.close(CLOSE_GRACE_MS)));
    const terminated = outcomes.filter((outcome) => outcome === 'terminated').length;
    if (terminated > 0) this.logger.warn({ terminated, graceMs: CLOSE_GRACE_MS }, 'inference threads still busy after the grace period were terminated');
  }
}
