import type { ServiceDefinition } from '@grpc/proto-loader';
import { DomainError } from '@switchyard/errors';

/**
 * A request whose bytes are not a valid message of its type, handed to the handler in place of the
 * message: grpc-js answers a deserializer that throws with INTERNAL and no reason, so the handler
 * refuses this one itself, with INVALID_ARGUMENT naming what is wrong, once the caller's key has been
 * checked (as an HTTP body is parsed only after authentication).
 */
export class MalformedMessage {
  constructor(readonly error: DomainError) {}
}

/**
 * The service with each method's request decoded strictly. protobufjs reads a Node Buffer (what
 * grpc-js hands a deserializer) with its BufferReader, which cuts a string field short at the end of
 * the message instead of refusing a length that runs past it: a truncated message was served as if
 * whole. Its reader for a plain Uint8Array checks every declared length, so each request is decoded
 * from a Uint8Array view of the same memory, without a copy.
 */
export function withStrictRequests(service: ServiceDefinition): ServiceDefinition {
  const strict: ServiceDefinition = {};
  for (const [name, method] of Object.entries(service)) {
    const decode = method.requestDeserialize;
    // proto-loader types the descriptor as `object`; it is a DescriptorProto, named as in the .proto.
    const type = (method.requestType.type as { name?: string }).name ?? `${name} request`;
    strict[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Buffer);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return new MalformedMessage(
            new DomainError('MALFORMED_REQUEST', `the request is not a valid ${type} message (${reason}); encode it as open_inference_grpc.proto defines ${type}`),
          );
        }
      },
    };
  }
  return strict;
}
