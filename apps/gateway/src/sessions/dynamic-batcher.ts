import type * as ort from 'onnxruntime-node';
import type { ModelSignature } from '@switchyard/onnx';
import type { BatchingConfig } from '@switchyard/domain';
import { concatAlongBatch, splitAlongBatch } from '@switchyard/tensor';
import type { VersionRunner } from './version-runner';


interface Waiting {
  feeds: Record<string, ort.Tensor>;
  rows: number;
  resolve: (results: Record<string, ort.Tensor>) => void;
  reject: (error: unknown) => void;
}

interface Group {
  waiting: Waiting[];
  rows: number;
  /** Clears the group's deadline (see deadline). */
  cancel: () => void;
}

/** Batching needs a free first dimension on every input and output: it is the axis requests are joined on. */
export function isBatchable(signature: ModelSignature): boolean {
  const batchAxis = (shape: number[]) => shape.length >= 1 && shape[0] === -1;
  return signature.inputs.length > 0 && signature.inputs.every((i) => batchAxis(i.shape)) && signature.outputs.every((o) => batchAxis(o.shape));
}

/**
 * Triton-style dynamic batching: concurrent requests for one version are gathered — until max_batch_size
 * rows or max_delay_ms after the first arrived — run as one session.run, and the outputs cut back per
 * request. Requests are only joined with others of the same trailing shapes and requested outputs.
 * max_delay_ms 0 is Triton's `max_queue_delay_microseconds: 0`: no wait, only the requests that arrived
 * together are joined.
 */
export class DynamicBatcher {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly runner: VersionRunner,
    readonly config: BatchingConfig,
    private readonly onBatch: (rows: number) => void = () => undefined,
  ) {}

  run(feeds: Record<string, ort.Tensor>, outputNames?: string[]): Promise<Record<string, ort.Tensor>> {
    const tensors = Object.values(feeds);
    const rows = tensors[0]?.dims[0] ?? 0;
    // A request that is itself a full batch, or whose inputs disagree on the batch size, runs alone.
    if (rows >= this.config.max_batch_size || tensors.some((t) => t.dims[0] !== rows)) return this.runner.run(feeds, outputNames);

    const key = JSON.stringify([Object.entries(feeds).map(([name, t]) => [name, t.type, t.dims.slice(1)]), outputNames ?? null]);
    return new Promise((resolve, reject) => {
      let group = this.groups.get(key);
      if (group && group.rows + rows > this.config.max_batch_size) {
        this.flush(key, outputNames);
        group = undefined;
      }
      if (!group) {
        group = { waiting: [], rows: 0, cancel: this.deadline(() => this.flush(key, outputNames)) };
        this.groups.set(key, group);
      }
      group.waiting.push({ feeds, rows, resolve, reject });
      group.rows += rows;
      if (group.rows >= this.config.max_batch_size) this.flush(key, outputNames);
    });
  }

  /**
   * Runs `flush` max_delay_ms from now; returns what cancels it. A delay of 0 runs it once this turn of
   * the event loop has read what is ready (every socket's request that arrived together), where
   * `setTimeout(0)` would wait a millisecond, Node's shortest timer.
   */
  private deadline(flush: () => void): () => void {
    if (this.config.max_delay_ms === 0) {
      const immediate = setImmediate(flush);
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(flush, this.config.max_delay_ms);
    return () => clearTimeout(timer);
  }

  private flush(key: string, outputNames?: string[]): void {
    const group = this.groups.get(key);
    if (!group) return;
    this.groups.delete(key);
    group.cancel();
    const { waiting } = group;
    const names = Object.keys(waiting[0].feeds);
    const joined = Object.fromEntries(names.map((name) => [name, concatAlongBatch(waiting.map((w) => w.feeds[name]))]));
    this.onBatch(group.rows);
    this.runner.run(joined, outputNames).then(
      (results) => {
        const rowCounts = waiting.map((w) => w.rows);
        const parts = Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, splitAlongBatch(tensor, rowCounts)]));
        waiting.forEach((w, i) => w.resolve(Object.fromEntries(Object.entries(parts).map(([name, split]) => [name, split[i]]))));
      },
      (error: unknown) => waiting.forEach((w) => w.reject(error)),
    );
  }
}
