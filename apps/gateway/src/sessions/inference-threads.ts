import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import * as ort from 'onnxruntime-node';
import { SERVING_SESSION_OPTIONS } from '../../../../libs/onnx/src';
import { Worker } from 'node:worker_threads';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from '../../../../libs/http/src';
import { TypedConfig } from '../../../../libs/config/src';
import type { VersionRunner } from './version-runner';

interface WireTensor {
  type: ort.Tensor.Type;
  dims: readonly number[];
  data: ort.Tensor.DataType;
}

type Reply = { id: number; ok: true; outputs?: Record<string, WireTensor> } | { id: number; ok: false; error: string };

/**
 * The thread's whole program. It is kept as source text and started with `eval` so the same code runs
 * from the compiled app and under the test runner (which cannot hand a worker a TypeScript file).
 * Sessions are keyed by the version's sha256; tensors cross as plain {type, dims, data} and the output
 * buffers are transferred, not copied.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const ort = require('onnxruntime-node');
const sessions = new Map();
parentPort.on('message', async (message) => {
  try {
    if (message.kind === 'load') {
      // SERVING_SESSION_OPTIONS: one intra-op thread that does not spin, so a saturated heavy model
      // leaves the other core to the event loop and the light models on it.
      sessions.set(message.key, await ort.InferenceSession.create(message.bytes, ${JSON.stringify(SERVING_SESSION_OPTIONS)}));
      parentPort.postMessage({ id: message.id, ok: true });
    } else if (message.kind === 'run') {
      const session = sessions.get(message.key);
      const feeds = {};
      for (const [name, t] of Object.entries(message.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const results = message.outputNames ? await session.run(feeds, message.outputNames) : await session.run(feeds);
      const outputs = {};
      const transfer = [];
      for (const [name, t] of Object.entries(results)) {
        outputs[name] = { type: t.type, dims: t.dims, data: t.data };
        if (t.data && t.data.buffer instanceof ArrayBuffer) transfer.push(t.data.buffer);
      }
      parentPort.postMessage({ id: message.id, ok: true, outputs }, transfer);
    } else if (message.kind === 'release') {
      const session = sessions.get(message.key);
      sessions.delete(message.key);
      if (session) await session.release();
      parentPort.postMessage({ id: message.id, ok: true });
    }
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, error: error && error.message ? error.message : String(error) });
  }
});
`;

class InferenceThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  inFlight = 0;

  constructor() {
    this.worker = new Worker(THREAD_SOURCE, { eval: true });
    this.worker.on('message', (reply: Reply) => {
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

  async call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply & { ok: true }> {
    const id = this.nextId++;
    this.inFlight += 1;
    try {
      const reply = await new Promise<Reply>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.worker.postMessage({ ...message, id }, transfer);
      });
      if (!reply.ok) throw new Error(reply.error);
      return reply;
    } finally {
      this.inFlight -= 1;
    }
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
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
    for (const [name, tensor] of Object.entries(feeds)) wire[name] = { type: tensor.type, dims: tensor.dims, data: tensor.data };
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
    await Promise.all((this.threads ?? []).map((thread) => thread.terminate()));
  }
}
