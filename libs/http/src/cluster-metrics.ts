import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * /metrics of a node:cluster app (the gateway with GATEWAY_WORKERS > 1), aggregated over its workers.
 * A scrape reaches one worker; that worker asks the primary, which collects every worker's registry as
 * JSON over cluster IPC and merges them with prom-client's AggregatorRegistry (counters and histograms
 * summed; each gauge by its `aggregator`). The protocol is our own rather than prom-client's
 * `clusterMetrics()`, which asks every connected worker: a worker still starting has no registry
 * yet and would stall each scrape for its 5 s timeout. Here the primary asks only workers that said
 * they can answer.
 */

/** One worker's registry as `getMetricsAsJSON()` gives it: what AggregatorRegistry.aggregate takes. */
type RegistryJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

type Message =
  | { type: 'switchyard:metrics-ready' }
  | { type: 'switchyard:metrics-collect'; id: number }
  | { type: 'switchyard:metrics-collected'; id: number; metrics: RegistryJson }
  | { type: 'switchyard:metrics-scrape'; id: number }
  | { type: 'switchyard:metrics-scraped'; id: number; text?: string; error?: string };

const isMessage = (value: unknown): value is Message => typeof (value as Message | null)?.type === 'string' && (value as Message).type.startsWith('switchyard:metrics-');

/** How long the primary waits for every worker's metrics, and a worker for the primary's answer. */
const COLLECT_TIMEOUT_MS = 5_000;
const SCRAPE_TIMEOUT_MS = 10_000;

/** In the primary: answers workers' scrapes with the metrics of every worker that can answer. */
export function serveClusterMetrics(): void {
  const answering = new Set<Worker>();
  const pending = new Map<number, { waiting: Set<Worker>; received: RegistryJson[]; done: (error?: Error) => void }>();
  let nextId = 1;

  const collect = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const waiting = new Set([...answering].filter((worker) => worker.isConnected()));
      const received: RegistryJson[] = [];
      const timer = setTimeout(() => done(new Error(`${waiting.size} gateway worker(s) did not send their metrics within ${COLLECT_TIMEOUT_MS} ms`)), COLLECT_TIMEOUT_MS);
      const done = (error?: Error) => {
        clearTimeout(timer);
        pending.delete(id);
        if (error) reject(error);
        else AggregatorRegistry.aggregate(received).metrics().then(resolve, reject);
      };
      pending.set(id, { waiting, received, done });
      if (waiting.size === 0) done();
      else for (const worker of waiting) worker.send({ type: 'switchyard:metrics-collect', id } satisfies Message);
    });

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'switchyard:metrics-ready') answering.add(worker);
    if (message.type === 'switchyard:metrics-collected') {
      const request = pending.get(message.id);
      if (!request || !request.waiting.delete(worker)) return;
      request.received.push(message.metrics);
      if (request.waiting.size === 0) request.done();
    }
    if (message.type === 'switchyard:metrics-scrape') {
      const reply = (answer: Omit<Extract<Message, { type: 'switchyard:metrics-scraped' }>, 'type' | 'id'>) => {
        if (worker.isConnected()) worker.send({ type: 'switchyard:metrics-scraped', id: message.id, ...answer } satisfies Message);
      };
      collect().then(
        (text) => reply({ text }),
        (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
  });
  cluster.on('exit', (worker: Worker) => {
    answering.delete(worker);
    // A worker that died mid-collection is not waited for.
    for (const request of pending.values()) if (request.waiting.delete(worker) && request.waiting.size === 0) request.done();
  });
}

/** In a worker: sends its registry when the primary collects, and asks the primary for the whole. */
export class WorkerMetrics {
  private readonly scrapes = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  private nextId = 1;

  constructor(registry: Registry) {
    process.on('message', (message: unknown) => {
      if (!isMessage(message)) return;
      if (message.type === 'switchyard:metrics-collect') {
        void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: 'switchyard:metrics-collected', id: message.id, metrics } satisfies Message));
      }
      if (message.type === 'switchyard:metrics-scraped') {
        const scrape = this.scrapes.get(message.id);
        this.scrapes.delete(message.id);
        if (message.text !== undefined) scrape?.resolve(message.text);
        else scrape?.reject(new Error(message.error ?? 'no metrics'));
      }
    });
    process.send?.({ type: 'switchyard:metrics-ready' } satisfies Message);
  }

  /** The Prometheus text of every worker, as the primary merged it. */
  scrape(): Promise<string> {
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.scrapes.delete(id);
        reject(new Error(`the gateway's cluster primary did not answer within ${SCRAPE_TIMEOUT_MS} ms`));
      }, SCRAPE_TIMEOUT_MS);
      this.scrapes.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      process.send?.({ type: 'switchyard:metrics-scrape', id } satisfies Message);
    });
  }
}
