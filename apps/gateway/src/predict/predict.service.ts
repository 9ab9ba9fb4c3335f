import { Injectable } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import type { ModelSignature } from '@switchyard/onnx';
import { decodePredictRequest, encodeOutputsAsNested, TensorDecodeError } from '@switchyard/tensor';
import { PredictionRecorder } from '../prediction-log/prediction-recorder.service';
import { InferenceService } from './inference.service';

export interface PredictRequest {
  model: string;
  body: unknown;
  requestId: string;
  routingKey?: string;
  variantPin?: string;
}

export interface PredictAnswer {
  outputs: Record<string, unknown>;
  model: string;
  version: number;
  variant: string;
  request_id: string;
}

/** `/v1/models/{name}/predict`: Switchyard's own JSON format over the shared inference path. */
@Injectable()
export class PredictService {
  constructor(
    private readonly inference: InferenceService,
    private readonly log: PredictionRecorder,
  ) {}

  async predict(request: PredictRequest): Promise<PredictAnswer> {
    const receivedAt = Date.now();
    const startedAt = performance.now();
    const routed = await this.inference.route({ model: request.model, routingKey: request.routingKey, variantPin: request.variantPin });
    // From here on the request belongs to a version: success or failure, it is that variant's to count.
    const context = { requestId: request.requestId, routed, routingKey: request.routingKey, receivedAt, startedAt };
    try {
      const feeds = this.decode(request, routed.version.signature);
      const outcome = await this.inference.run(routed, feeds);
      const answer = {
        outputs: encodeOutputsAsNested(outcome.results),
        model: request.model,
        version: outcome.version.version,
        variant: outcome.variant,
        request_id: request.requestId,
      };
      this.log.recordSuccess(context, feeds, outcome.results, () => ({ request: request.body, response: answer }));
      return answer;
    } catch (error) {
      this.log.recordFailure(context, error);
      throw error;
    }
  }

  private decode(request: PredictRequest, signature: ModelSignature) {
    try {
      return decodePredictRequest(request.body, signature, { maxElements: this.inference.maxElements });
    } catch (error) {
      if (error instanceof TensorDecodeError) {
        throw new DomainError('VALIDATION_FAILED', `the inputs do not fit model "${request.model}": ${error.message}`, { errors: error.problems });
      }
      throw error;
    }
  }
}
