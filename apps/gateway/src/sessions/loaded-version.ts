import type { ModelSignature } from '@switchyard/onnx';
import type * as ort from 'onnxruntime-node';
import type { BatchingConfig } from '@switchyard/domain';
import { DynamicBatcher, isBatchable } from './dynamic-batcher';
import type { VersionRunner } from './version-runner';

/**
 * One version in memory. Requests lease it; once it is retired (no deployment uses it any more) the
 * runner (and its native session) is released when the last request in flight returns, never under one.
 */
export class LoadedVersion {
  private inFlight = 0;
  private retired = false;
  private released = false;

  constructor(
    readonly model: string,
    readonly version: number,
    readonly sha256: string,
    readonly runner: VersionRunner,
    readonly signature: ModelSignature,
  ) {}

  private batcher: DynamicBatcher | null = null;

  /** Batching is the model's setting; it applies to this version only when its signature allows it. */
  setBatching(config: BatchingConfig | null, onBatch?: (rows: number) => void): void {
    const current = this.batcher?.config;
    if (config && current && config.max_batch_size === current.max_batch_size && config.max_delay_ms === current.max_delay_ms) return;
    this.batcher = config && isBatchable(this.signature) ? new DynamicBatcher(this.runner, config, onBatch) : null;
  }

  /** The batching this version runs under; null when it runs each request alone. */
  get batching(): BatchingConfig | null {
    return this.batcher?.config ?? null;
  }

  run(feeds: Record<string, ort.Tensor>, outputNames?: string[]): Promise<Record<string, ort.Tensor>> {
    return this.batcher ? this.batcher.run(feeds, outputNames) : this.runner.run(feeds, outputNames);
  }

  get isReleased(): boolean {
    return this.released;
  }

  lease(): () => void {
    if (this.released) throw new Error(`version ${this.model}/${this.version} was released`);
    this.inFlight += 1;
    let returned = false;
    return () => {
      if (returned) return;
      returned = true;
      this.inFlight -= 1;
      if (this.retired && this.inFlight === 0) this.release();
    };
  }

  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    void this.runner.release().catch(() => undefined);
  }
}
