import { Injectable } from '@nestjs/common';
import { DomainError } from '../../../../libs/errors/src';
import { decodePredictRequest, encodeOutputsAsNested, TensorDecodeError } from '../../../../libs/tensor/src';
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
  constructor(private readonly inference: InferenceService) {}

  async predict(request: PredictRequest): Promise<PredictAnswer> {
    const routed = await this.inference.route({ model: request.model, routingKey: request.routingKey, variantPin: request.variantPin });
    let feeds;
    try {
      feeds = decodePredictRequest(request.body, routed.version.signature, { maxElements: this.inference.maxElements });
    } catch (error) {
      if (error instanceof TensorDecodeError) {
        throw new DomainError('VALIDATION_FAILED', `the inputs do not fit model "${request.model}": ${error.message}`, { errors: error.problems });
      }
      throw error;
    }
    const outcome = await this.inference.run(routed, feeds);
    return {
      outputs: encodeOutputsAsNested(outcome.results),
      model: request.model,
      version: outcome.version.version,
      variant: outcome.variant,
      request_id: request.requestId,
    };
  }
}
