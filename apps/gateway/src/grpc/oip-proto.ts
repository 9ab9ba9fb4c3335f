import * as path from 'node:path';
import type { Options } from '@grpc/proto-loader';

/**
 * The Open Inference Protocol's .proto as committed beside the gateway (apps/gateway/proto, copied to
 * dist by the build): the same path from the sources and from dist/.
 */
export const OIP_PROTO_PATH = path.join(__dirname, '..', '..', 'proto', 'open_inference_grpc.proto');

export const OIP_SERVICE_NAME = 'inference.GRPCInferenceService';

/**
 * Messages as the tensor codec reads them (GrpcInferRequest in libs/tensor): field names as in the
 * .proto, 64-bit integers as decimal strings (exact beyond 2^53), absent fields left out.
 */
export const OIP_PROTO_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true };
