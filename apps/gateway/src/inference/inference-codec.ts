import type * as ort from 'onnxruntime-node';
import type { DecodeLimits } from '@switchyard/tensor';
import type { LoadedVersion } from '../sessions/loaded-version';
import type { InferenceOutcome } from './inference.service';

/** What every wire format decodes to: onnxruntime feeds, and which outputs to return. */
export interface DecodedRequest {
  feeds: Record<string, ort.Tensor>;
  /** The outputs asked for, in order; undefined means all of them. */
  requestedOutputs?: string[];
}

/** One request as the protocol layer hands it to the data plane, whatever its wire format. */
export interface ServeRequest<Body> {
  model: string;
  body: Body;
  /** The JSON body's bytes as received, when the body is JSON: read again for exact INT64 (decodeWithExactIntegers). */
  json?: Uint8Array;
  requestId: string;
  routingKey?: string;
  variantPin?: string;
  /** A version asked for explicitly (a path's `/versions/{v}`, a header): overrides routing. */
  version?: number;
  /** Where that version came from, named in the errors when it is unknown or not ready. */
  versionField?: string;
}

/**
 * A wire format over the one inference pipeline (see DataPlane): how a body becomes feeds for the
 * routed version, and how the outcome becomes the answer. decode() throws DomainErrors naming what to
 * fix; nothing else on the path depends on the format.
 */
export interface InferenceCodec<Body, Decoded extends DecodedRequest, Answer> {
  decode(request: ServeRequest<Body>, version: LoadedVersion, limits: DecodeLimits): Decoded;
  encode(outcome: InferenceOutcome, decoded: Decoded, request: ServeRequest<Body>): Answer;
  /** The request and answer as the prediction log samples them (JSON-safe); only called when sampled. */
  logged(request: ServeRequest<Body>, answer: Answer): { request: unknown; response: unknown };
}
