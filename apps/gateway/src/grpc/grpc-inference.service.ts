import { Injectable, Logger } from '@nestjs/common';
import { Metadata, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { accessFor, bearerToken, ruleFor, TokenBuckets } from '@switchyard/auth';
import { TypedConfig } from '@switchyard/config';
import { DomainError, toGrpcError } from '@switchyard/errors';
import { AccessRefused, authenticate, authorize, isValidRequestId, REQUEST_ID_RULE, timeOrderedUuid } from '@switchyard/http';
import type { GrpcInferRequest } from '@switchyard/tensor';
import { DataPlane } from '../inference/data-plane.service';
import { KeyCache } from '../keys/key-cache.service';
import { OIP_SERVER_METADATA, OipService, versionNumber } from '../oip/oip.service';
import { OIP_GRPC } from './oip-grpc.codec';
import { MalformedMessage } from './strict-requests';

type Rpc = 'ServerLive' | 'ServerReady' | 'ServerMetadata' | 'ModelReady' | 'ModelMetadata' | 'ModelInfer';

/** Each RPC takes the access rule of its HTTP counterpart (ROUTE_RULES), so a key means the same on both. */
const HTTP_ROUTE_OF: Record<Rpc, [method: string, url: string]> = {
  ServerLive: ['GET', '/v2/health/live'],
  ServerReady: ['GET', '/v2/health/ready'],
  ServerMetadata: ['GET', '/v2'],
  ModelReady: ['GET', '/v2/models/:name/ready'],
  ModelMetadata: ['GET', '/v2/models/:name'],
  ModelInfer: ['POST', '/v2/models/:name/infer'],
};

interface ModelRequest {
  name?: string;
  version?: string;
}

function metadataValue(call: ServerUnaryCall<unknown, unknown>, key: string): string | undefined {
  const [value] = call.metadata.get(key);
  return value === undefined ? undefined : value.toString();
}

/** An empty string is proto3's absent field: "" for a version means none was asked for. */
const present = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/**
 * `inference.GRPCInferenceService` of the Open Inference Protocol over the same services as its HTTP
 * routes: metadata and readiness from OipService, ModelInfer through the one DataPlane with the gRPC
 * codec. Request metadata as the HTTP headers (lowercased): `authorization: Bearer <key>`,
 * `x-routing-key`, `x-switchyard-variant`, `x-request-id`; ModelInfer answers with the headers' names too.
 */
@Injectable()
export class GrpcInferenceService {
  private readonly logger = new Logger('GrpcInference');

  constructor(
    private readonly oip: OipService,
    private readonly dataPlane: DataPlane,
    private readonly keys: KeyCache,
    private readonly buckets: TokenBuckets,
    private readonly config: TypedConfig,
  ) {}

  handlers(): UntypedServiceImplementation {
    return {
      ServerLive: this.unary('ServerLive', () => ({ live: true })),
      ServerReady: this.unary('ServerReady', () => ({ ready: this.oip.serverReady() })),
      // binary_tensor_data is an HTTP extension: gRPC carries binary tensors in raw_input_contents.
      ServerMetadata: this.unary('ServerMetadata', () => OIP_SERVER_METADATA),
      ModelReady: this.unary('ModelReady', async (request: ModelRequest) => ({ ready: await this.oip.ready(request.name ?? '', present(request.version)) })),
      ModelMetadata: this.unary('ModelMetadata', (request: ModelRequest) => this.oip.metadata(request.name ?? '', present(request.version))),
      ModelInfer: this.unary('ModelInfer', (request: GrpcInferRequest, call, requestId) => this.infer(request, call, requestId)),
    };
  }

  private async infer(request: GrpcInferRequest, call: ServerUnaryCall<GrpcInferRequest, unknown>, requestId: string) {
    const model = request.model_name ?? '';
    const { outcome, answer } = await this.dataPlane.serve(
      {
        model,
        body: request,
        requestId,
        routingKey: metadataValue(call, 'x-routing-key'),
        variantPin: metadataValue(call, 'x-switchyard-variant'),
        version: versionNumber(model, present(request.model_version)),
      },
      OIP_GRPC,
    );
    const headers = new Metadata();
    headers.set('x-switchyard-model', model);
    headers.set('x-switchyard-version', String(outcome.version.version));
    headers.set('x-switchyard-variant', outcome.variant);
    headers.set('x-request-id', requestId);
    call.sendMetadata(headers);
    return answer;
  }

  /** One RPC: request id, access check, the handler; any error becomes the status its domain code maps to. */
  private unary<Request>(
    rpc: Rpc,
    handler: (request: Request, call: ServerUnaryCall<Request, unknown>, requestId: string) => unknown,
  ): (call: ServerUnaryCall<Request, unknown>, callback: sendUnaryData<unknown>) => void {
    return (call, callback) => {
      const given = metadataValue(call, 'x-request-id');
      // A bad id is refused, not replaced (as over HTTP), and the refusal carries a generated one.
      const requestId = given !== undefined && isValidRequestId(given) ? given : timeOrderedUuid();
      const run = async () => {
        if (given !== undefined && given !== requestId) throw new DomainError('VALIDATION_FAILED', `x-request-id metadata must be ${REQUEST_ID_RULE}`);
        const named = call.request as ModelRequest & GrpcInferRequest;
        await this.checkAccess(rpc, call, named.model_name ?? named.name);
        if (call.request instanceof MalformedMessage) throw call.request.error;
        return handler(call.request, call, requestId);
      };
      run().then(
        (response) => callback(null, response),
        (error: unknown) => callback(this.failure(rpc, error, requestId)),
      );
    };
  }

  private async checkAccess(rpc: Rpc, call: ServerUnaryCall<unknown, unknown>, model: string | undefined): Promise<void> {
    if (!this.config.get('AUTH_ENABLED')) return;
    const [method, url] = HTTP_ROUTE_OF[rpc];
    const access = accessFor(ruleFor('gateway', method, url)!, { params: model === undefined ? {} : { name: model }, body: undefined });
    if (access === 'public') return;
    const principal = await authenticate(bearerToken(metadataValue(call, 'authorization')), this.keys, this.buckets);
    if (principal instanceof AccessRefused) throw principal;
    const refused = authorize(principal, access, model);
    if (refused) throw refused;
  }

  /** WWW-Authenticate and Retry-After of a refusal go along as lowercased metadata, the same hints as over HTTP. */
  private failure(rpc: Rpc, error: unknown, requestId: string) {
    const metadata = new Metadata();
    metadata.set('x-request-id', requestId);
    const refused = error instanceof AccessRefused ? error : undefined;
    for (const [name, value] of Object.entries(refused?.headers ?? {})) metadata.set(name.toLowerCase(), value);
    return { ...toGrpcError(refused?.error ?? error, rpc, this.logger), metadata };
  }
}
