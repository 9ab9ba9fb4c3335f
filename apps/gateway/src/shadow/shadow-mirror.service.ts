import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type * as ort from 'onnxruntime-node';
import { TypedConfig } from '@switchyard/config';
import { GatewayMetrics } from '../gateway-metrics';
import type { Routed } from '../inference/inference.service';
import { PredictionRecorder } from '../prediction-log/prediction-recorder.service';
import type { LoadedVersion } from '../sessions/loaded-version';
import { ModelSessions } from '../sessions/model-sessions.service';
import { BoundedTaskQueue } from './bounded-task-queue';

/** A champion request that was answered, as the predict paths hand it over. */
export interface AnsweredRequest {
  requestId: string;
  routed: Routed;
  /** Epoch ms when the request arrived. */
  receivedAt: number;
  feeds: Record<string, ort.Tensor>;
  results: Record<string, ort.Tensor>;
}

const BASIS_POINTS = 10_000;

/**
 * Copies answered champion requests to the model's shadow, as SageMaker shadow variants and Seldon
 * mirrors do: the copy runs after the caller has its answer, its result is only logged (variant
 * `shadow`, under the champion's request id), and nothing it does reaches the caller. Each model has
 * a bounded queue run a few copies at a time; a copy that finds it full is dropped and counted.
 *
 * Which requests are copied is a random draw per request at `shadow_percent`, not the routing key's
 * bucket: the shadow's answers are never seen, so there is no caller experience to keep sticky, and a
 * per-request draw samples requests evenly, where a key's bucket would copy the same callers always.
 */
@Injectable()
export class ShadowMirror implements OnApplicationShutdown {
  private readonly logger = new Logger(ShadowMirror.name);
  private readonly queues = new Map<string, BoundedTaskQueue>();
  private readonly capacity: number;
  private readonly concurrency: number;

  constructor(
    config: TypedConfig,
    private readonly sessions: ModelSessions,
    private readonly recorder: PredictionRecorder,
    private readonly metrics: GatewayMetrics,
  ) {
    this.capacity = config.get('GATEWAY_SHADOW_QUEUE_SIZE');
    this.concurrency = config.get('GATEWAY_SHADOW_CONCURRENCY');
  }

  /** Offers a copy of the answered request to the shadow, if it is a champion request that was sampled. Never throws. */
  mirror(answered: AnsweredRequest): void {
    if (answered.routed.variant !== 'champion') return;
    try {
      const model = answered.routed.version.model;
      const serving = this.sessions.serving(model);
      const shadow = serving?.shadow;
      if (!shadow || !serving.shadowBp) return;
      if (serving.shadowBp < BASIS_POINTS && Math.random() * BASIS_POINTS >= serving.shadowBp) return;
      if (!this.queueOf(model).offer(() => this.run(answered, shadow))) this.metrics.shadowDropped.inc({ model });
    } catch (error) {
      this.logger.warn({ err: error }, 'could not offer a shadow copy');
    }
  }

  private queueOf(model: string): BoundedTaskQueue {
    let queue = this.queues.get(model);
    if (!queue) this.queues.set(model, (queue = new BoundedTaskQueue(this.capacity, this.concurrency)));
    return queue;
  }

  private async run(answered: AnsweredRequest, shadow: LoadedVersion): Promise<void> {
    const model = shadow.model;
    let release: () => void;
    try {
      release = shadow.lease();
    } catch {
      // Swapped out and released while the copy waited: there is no shadow to run it on any more.
      this.metrics.shadowDropped.inc({ model });
      return;
    }
    const started = performance.now();
    let results: Record<string, ort.Tensor> | null = null;
    let error: unknown = null;
    try {
      results = await shadow.run(answered.feeds);
    } catch (thrown) {
      error = thrown;
    } finally {
      release();
    }
    this.metrics.shadowCopies.inc({ model, status: results ? 'ok' : 'error' });
    this.recorder.recordShadow({
      requestId: answered.requestId,
      champion: answered.routed.version,
      shadow,
      receivedAt: answered.receivedAt,
      latencyUs: Math.round((performance.now() - started) * 1_000),
      championResults: answered.results,
      results,
      error,
    });
  }

  onApplicationShutdown(): void {
    // Copies not yet run are dropped like any other under pressure: shutdown waits for no shadow.
    for (const [model, queue] of this.queues) {
      const forgotten = queue.close();
      if (forgotten > 0) this.metrics.shadowDropped.inc({ model }, forgotten);
    }
  }
}
