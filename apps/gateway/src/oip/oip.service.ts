import { Injectable } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import { type TensorSpec, tritonModelConfig } from '@switchyard/onnx';
import { parseVersionNumber } from '@switchyard/queues';
import { BINARY_TENSOR_DATA_EXTENSION, isJsonObject } from '@switchyard/tensor';
import { DeploymentSync } from '../deployment-sync/deployment-sync.service';
import { DataPlane } from '../inference/data-plane.service';
import { type InferenceOutcome, InferenceService, type Routed } from '../inference/inference.service';
import { ModelSessions } from '../sessions/model-sessions.service';
import { BinaryInferBody } from './binary-infer-bodies';
import { OIP_BINARY } from './oip-binary.codec';
import { OIP_JSON } from './oip-json.codec';

export const OIP_PLATFORM = 'onnx_onnxv1';

/** The server version ServerMetadata reports, over HTTP and gRPC. */
export const OIP_SERVER_VERSION = '0.1.0';

/**
 * ServerMetadata, the same over HTTP (`GET /v2`) and gRPC: the extensions are the server's, as Triton
 * lists them on both, although binary tensor data is an HTTP extension (gRPC carries raw contents natively).
 */
export const OIP_SERVER_METADATA = { name: 'switchyard', version: OIP_SERVER_VERSION, extensions: [BINARY_TENSOR_DATA_EXTENSION] } as const;

export interface OipInferRequest {
  model: string;
  version?: string;
  body: unknown;
  /** The JSON body's bytes as received (see ServeRequest.json); a binary body carries its JSON part's. */
  json?: Uint8Array;
  routingKey?: string;
  variantPin?: string;
  requestId: string;
}

/** A version in an OIP path is a string; Switchyard's are integers from 1, and no other string names one. */
export function versionNumber(model: string, version: string | undefined): number | undefined {
  if (version === undefined) return undefined;
  const number = parseVersionNumber(version);
  if (number === undefined) throw new DomainError('VERSION_NOT_FOUND', `model "${model}" has no version "${version}"`);
  return number;
}

const metadataTensor = (spec: TensorSpec) => ({ name: spec.name, datatype: spec.datatype, shape: spec.shape });

/** One entry of Triton's repository index: a model version and its state (READY, LOADING, UNAVAILABLE). */
export interface RepositoryIndexEntry {
  name: string;
  version?: string;
  state: 'READY' | 'LOADING' | 'UNAVAILABLE';
  reason?: string;
}

/** The body of `POST /v2/repository/index`: empty, or `{"ready": true|false}` (only the ready versions when true). */
function readyOnly(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  if (!isJsonObject(body)) throw new DomainError('VALIDATION_FAILED', 'the body is empty or a JSON object {"ready": true|false}');
  for (const key of Object.keys(body)) {
    if (key !== 'ready') throw new DomainError('VALIDATION_FAILED', `${key}: unknown field; the repository index takes only "ready"`);
  }
  if (body.ready !== undefined && typeof body.ready !== 'boolean') throw new DomainError('VALIDATION_FAILED', 'ready: expected true or false');
  return body.ready === true;
}

/** The Open Inference Protocol (KServe V2 / Triton REST) over the same sessions and routing as /v1. */
@Injectable()
export class OipService {
  constructor(
    private readonly inference: InferenceService,
    private readonly sessions: ModelSessions,
    private readonly sync: DeploymentSync,
    private readonly dataPlane: DataPlane,
  ) {}

  serverReady(): boolean {
    return this.sync.isSynced && this.sync.deployedModels().every((model) => this.sessions.serving(model));
  }

  private async routed(model: string, version: string | undefined, routingKey?: string, variantPin?: string): Promise<Routed> {
    return this.inference.route({ model, version: versionNumber(model, version), routingKey, variantPin });
  }

  async metadata(model: string, version?: string) {
    const routed = await this.routed(model, version);
    const serving = this.sessions.serving(model);
    const versions = version !== undefined
      ? [String(routed.version.version)]
      : [serving?.champion, serving?.challenger].filter((v) => v).map((v) => String(v!.version));
    return {
      name: model,
      versions,
      platform: OIP_PLATFORM,
      inputs: routed.version.signature.inputs.map(metadataTensor),
      outputs: routed.version.signature.outputs.map(metadataTensor),
    };
  }

  /**
   * Triton's model configuration of the version a request would reach (or the one named): its own
   * extension, which Triton's example clients and perf_analyzer read for max_batch_size and dims.
   */
  async config(model: string, version?: string) {
    const routed = await this.routed(model, version);
    return tritonModelConfig(model, routed.version.signature, { batching: routed.version.batching, maxElements: this.inference.maxElements });
  }

  /**
   * Triton's repository index (its model repository extension; MLServer serves it too): every version
   * this gateway serves, READY, and each deployed model not loaded yet, LOADING, or UNAVAILABLE with
   * the reason its load failed. Only the models `visibleTo` names, for a key limited to some.
   */
  repositoryIndex(body: unknown, visibleTo: string[] | null): RepositoryIndexEntry[] {
    const onlyReady = readyOnly(body);
    const entries: RepositoryIndexEntry[] = [];
    for (const model of this.sync.modelsVisibleTo(visibleTo)) {
      const serving = this.sessions.serving(model);
      if (serving) {
        const versions = [serving.champion, serving.challenger, serving.shadow].flatMap((v) => (v ? [v.version] : []));
        for (const version of [...new Set(versions)].sort((a, b) => a - b)) entries.push({ name: model, version: String(version), state: 'READY' });
        continue;
      }
      if (onlyReady) continue;
      const status = this.sessions.status(model);
      entries.push(status?.state === 'failed' ? { name: model, state: 'UNAVAILABLE', reason: status.reason ?? 'the load failed' } : { name: model, state: 'LOADING' });
    }
    return entries;
  }

  /** True when the model (or version) can serve now; an unknown model is a 404, one still loading a 503. */
  async ready(model: string, version?: string): Promise<boolean> {
    if (version === undefined) this.sessions.assertServing(model);
    else await this.routed(model, version);
    return true;
  }

  /**
   * One OIP inference. `headers` are the answer's own response headers beyond the routing ones (a
   * wire format that needs them sets them); the route applies them and sends `response` as it is.
   */
  async infer(request: OipInferRequest): Promise<{ outcome: InferenceOutcome; response: unknown; headers: Record<string, string> }> {
    const serveRequest = {
      model: request.model,
      body: request.body,
      json: request.json,
      requestId: request.requestId,
      routingKey: request.routingKey,
      variantPin: request.variantPin,
      version: versionNumber(request.model, request.version),
    };
    if (request.body instanceof BinaryInferBody || asksForBinaryOutputs(request.body)) {
      const { outcome, answer } = await this.dataPlane.serve(serveRequest, OIP_BINARY);
      return { outcome, response: answer.response, headers: answer.headers };
    }
    const { outcome, answer } = await this.dataPlane.serve(serveRequest, OIP_JSON);
    return { outcome, response: answer, headers: {} };
  }
}

/** A JSON request may ask for binary outputs (binary tensor data extension); it is then answered in that framing. */
function asksForBinaryOutputs(body: unknown): boolean {
  if (!isJsonObject(body)) return false;
  if (isJsonObject(body.parameters) && body.parameters.binary_data_output === true) return true;
  return Array.isArray(body.outputs) && body.outputs.some((output) => isJsonObject(output) && isJsonObject(output.parameters) && output.parameters.binary_data === true);
}
