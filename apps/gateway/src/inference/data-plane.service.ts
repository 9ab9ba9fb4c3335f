import { Injectable } from '@nestjs/common';
import { PredictionRecorder } from '../prediction-log/prediction-recorder.service';
import { ShadowMirror } from '../shadow/shadow-mirror.service';
import type { DecodedRequest, InferenceCodec, ServeRequest } from './inference-codec';
import { type InferenceOutcome, InferenceService } from './inference.service';

export interface Served<Answer> {
  outcome: InferenceOutcome;
  answer: Answer;
}

/**
 * The one inference pipeline under every protocol (as KServe's DataPlane under its v1 and v2
 * endpoints): route → decode → run → encode → record → mirror. A protocol is a codec; routing,
 * leases, the prediction log, the shadow and the metrics behave the same whatever the wire format.
 */
@Injectable()
export class DataPlane {
  constructor(
    private readonly inference: InferenceService,
    private readonly log: PredictionRecorder,
    private readonly shadow: ShadowMirror,
  ) {}

  async serve<Body, Decoded extends DecodedRequest, Answer>(
    request: ServeRequest<Body>,
    codec: InferenceCodec<Body, Decoded, Answer>,
  ): Promise<Served<Answer>> {
    const receivedAt = Date.now();
    const startedAt = performance.now();
    const routing = this.inference.route(request);
    const routed = routing instanceof Promise ? await routing : routing;
    // From here on the request belongs to a version: success or failure, it is that variant's to count.
    const context = { requestId: request.requestId, routed, routingKey: request.routingKey, receivedAt, startedAt };
    try {
      const decoded = codec.decode(request, routed.version, { maxElements: this.inference.maxElements });
      const outcome = await this.inference.run(routed, decoded.feeds, decoded.requestedOutputs);
      const answer = codec.encode(outcome, decoded, request);
      this.log.recordSuccess(context, decoded.feeds, outcome.results, () => codec.logged(request, answer));
      this.shadow.mirror({ requestId: request.requestId, routed, receivedAt, feeds: decoded.feeds, results: outcome.results });
      return { outcome, answer };
    } catch (error) {
      this.log.recordFailure(context, error);
      throw error;
    }
  }
}
