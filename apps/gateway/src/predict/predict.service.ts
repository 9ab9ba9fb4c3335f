import { Injectable } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import { parseVersionNumber } from '@switchyard/queues';
import { DataPlane, type Served } from '../inference/data-plane.service';
import { type PredictAnswer, PREDICT_JSON } from './predict-json.codec';

export interface PredictRequest {
  model: string;
  body: unknown;
  /** The body's bytes as received (see ServeRequest.json). */
  json?: Uint8Array;
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

/** `/v1/models/{name}/predict`: Switchyard's own JSON format over the data plane. */
@Injectable()
export class PredictService {
  constructor(private readonly dataPlane: DataPlane) {}

  /** Not async: the data plane's promise is the caller's, without a layer of its own per prediction. */
  predict(request: PredictRequest): Promise<Served<PredictAnswer>> {
    return this.dataPlane.serve(
      {
        model: request.model,
        body: request.body,
        json: request.json,
        requestId: request.requestId,
        routingKey: request.routingKey,
        variantPin: request.variantPin,
        version: pinnedVersion(request.versionPin),
        versionField: VERSION_HEADER,
      },
      PREDICT_JSON,
    );
  }
}
