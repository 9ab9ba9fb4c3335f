import { Injectable } from '@nestjs/common';
import { DeploymentSync } from '../deployment-sync/deployment-sync.service';
import { DataPlane, type Served } from '../inference/data-plane.service';
import { versionNumber } from '../oip/oip.service';
import { ModelSessions } from '../sessions/model-sessions.service';
import { V1_PROTOCOL, type V1ProtocolAnswer } from './kserve-v1.codec';

export interface V1PredictRequest {
  model: string;
  /** TensorFlow Serving's `/versions/{v}` in the path, as sent. */
  version?: string;
  body: unknown;
  /** The body's bytes as received (see ServeRequest.json). */
  json?: Uint8Array;
  requestId: string;
  routingKey?: string;
  variantPin?: string;
}

/**
 * KServe's v1 protocol (and TensorFlow Serving's REST predict API) over the same data plane as /v1
 * predict and OIP: models listed, their readiness, and predictions.
 */
@Injectable()
export class KserveV1Service {
  constructor(
    private readonly dataPlane: DataPlane,
    private readonly sessions: ModelSessions,
    private readonly sync: DeploymentSync,
  ) {}

  predict(request: V1PredictRequest): Promise<Served<V1ProtocolAnswer>> {
    return this.dataPlane.serve(
      {
        model: request.model,
        body: request.body,
        json: request.json,
        requestId: request.requestId,
        routingKey: request.routingKey,
        variantPin: request.variantPin,
        version: versionNumber(request.model, request.version),
        versionField: 'version',
      },
      V1_PROTOCOL,
    );
  }

  /** The models deployed to this gateway, loaded or not (a key limited to some models sees only those). */
  models(visibleTo: string[] | null): string[] {
    return this.sync.modelsVisibleTo(visibleTo);
  }

  /** Ready when the model's champion is loaded; throws 404 for a model not deployed, 503 for one still loading. */
  ready(model: string): { name: string; ready: true } {
    this.sessions.assertServing(model);
    return { name: model, ready: true };
  }
}
