import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Server, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type ServiceDefinition as ProtoServiceDefinition } from '@grpc/proto-loader';
import { TypedConfig } from '@switchyard/config';
import { DEFAULT_DRAIN } from '@switchyard/http';
import { grpcServerCredentials } from './grpc-credentials';
import { GrpcInferenceService } from './grpc-inference.service';
import { OIP_PROTO_OPTIONS, OIP_PROTO_PATH, OIP_SERVICE_NAME } from './oip-proto';
import { withStrictRequests } from './strict-requests';

/** host:port as gRPC names an address; an IPv6 host goes in brackets. */
const addressOf = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * The gateway's gRPC server, on HOST:GATEWAY_GRPC_PORT (0: none), started once the app is up and
 * drained before the rest shuts down: calls in flight finish (tryShutdown) within the same grace the
 * HTTP connections get, then any still open are cut (forceShutdown).
 */
@Injectable()
export class GrpcServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('GrpcServer');
  private server?: Server;
  private boundPort?: number;

  constructor(
    private readonly inference: GrpcInferenceService,
    private readonly config: TypedConfig,
  ) {}

  /** The port bound, once started (the configured one, or the one the OS chose). */
  get port(): number | undefined {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.get('GATEWAY_GRPC_PORT');
    if (port === 0) return;
    const definition = loadSync(OIP_PROTO_PATH, OIP_PROTO_OPTIONS);
    const server = new Server({
      // A message past the HTTP body limit is refused with RESOURCE_EXHAUSTED before it is decoded.
      'grpc.max_receive_message_length': this.config.get('GATEWAY_MAX_BODY_BYTES'),
      // Channelz (grpc-js's per-call introspection counters) is served by no one here: skip its cost per call.
      'grpc.enable_channelz': 0,
    });
    server.addService(withStrictRequests(definition[OIP_SERVICE_NAME] as ProtoServiceDefinition) as ServiceDefinition, this.inference.handlers());
    const address = addressOf(this.config.get('HOST'), port);
    const { credentials, tls, mutual } = await grpcServerCredentials(
      this.config.get('GATEWAY_GRPC_TLS_CERT'),
      this.config.get('GATEWAY_GRPC_TLS_KEY'),
      this.config.get('GATEWAY_GRPC_TLS_CLIENT_CA'),
    );
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, credentials, (error, bound) =>
        error ? reject(new Error(`GATEWAY_GRPC_PORT: cannot listen on ${address}: ${error.message}`)) : resolve(bound),
      ),
    );
    this.server = server;
    this.logger.log(`gRPC (${OIP_SERVICE_NAME}) listening on ${address}${mutual ? ' with mutual TLS (client certificates required)' : tls ? ' with TLS' : ' in plaintext'}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, DEFAULT_DRAIN.maxMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
