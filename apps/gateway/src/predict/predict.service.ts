import { Injectable } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import type { ModelSignature } from '@switchyard/onnx';
import { parseVersionNumber } from '@switchyard/queues';
import { decodePredictRequest, encodeOutputsAsNested, TensorDecodeError } from '@switchyard/tensor';
import { PredictionRecorder } from '../prediction-log/prediction-recorder.service';
import { ShadowMirror } from '../shadow/shadow-mirror.service';
import { InferenceService } from './inference.service';

export interface PredictRequest {
  model: string;
  body: unknown;
  requestId: string;
  routingKey?: string;
  variantPin?: string;
  /** X-Switchyard-Version as sent: a version number pins that version, as OIP's `/versions/{v}` does. */
  versionPin?: string;
}

/** The header a /v1 caller pins a version with; the answer carries the same header with the version that served. */
export const VERSION_HEADER = 'X-Switchyard-Version';

/** A pinned version must be a version number as a path would write it (see parseVersionNumber). */
function pinnedVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const version = parseVersionNumber(text.trim());
  if (version === undefined) {
    throw new DomainError('VALIDATION_FAILED', `${VERSION_HEADER} must be a version number (a positive integer), got ${JSON.stringify(text)}`, {
      errors: [{ field: VERSION_HEADER, message: 'not a positive integer' }],
    });
  }
  return version;
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
    private readonly shadow: ShadowMirror,
  ) {}

  async predict(request: PredictRequest): Promise<PredictAnswer> {
    const receivedAt = Date.now();
    const startedAt = performance.now();
    const routed = await this.inference.route({
      model: request.model,
      routingKey: request.routingKey,
      variantPin: request.variantPin,
      version: pinnedVersion(request.versionPin),
      versionField: VERSION_HEADER,
    });
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
      this.shadow.mirror({ requestId: request.requestId, routed, receivedAt, feeds, results: outcome.results });
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
