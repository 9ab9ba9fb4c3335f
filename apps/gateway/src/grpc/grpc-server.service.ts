import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Server, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type ServiceDefinition as ProtoServiceDefinition } from '@grpc/proto-loader';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { TypedConfig } from '@switchyard/config';
import { DEFAULT_DRAIN } from '@switchyard/http';
import { OipService } from '../oip/oip.service';
import { grpcServerCredentials } from './grpc-credentials';
import { GrpcInferenceService } from './grpc-inference.service';
import { OIP_PROTO_OPTIONS, OIP_PROTO_PATH, OIP_SERVICE_NAME } from './oip-proto';
import { withStrictRequests } from './strict-requests';

/** How often the health service's status is brought up to date with the gateway's readiness. */
const HEALTH_REFRESH_MS = 1_000;

/** host:port as gRPC names an address; an IPv6 host goes in brackets. */
const addressOf = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * The gateway's gRPC server, on HOST:GATEWAY_GRPC_PORT (0: none), started once the app is up and
 * drained before the rest shuts down: calls in flight finish (tryShutdown) within the same grace the
 * HTTP connections get, then any still open are cut (forceShutdown).
 *
 * Beside the protocol's service it serves gRPC's standard health service (grpc.health.v1.Health, which
 * gRPC load balancers and Kubernetes' gRPC probes ask), without a key: the server ("") and the protocol's
 * service are SERVING when ServerReady is true (every deployed champion loaded), NOT_SERVING before that
 * and from the moment shutdown begins, so a balancer stops sending before the port closes.
 */
@Injectable()
export class GrpcServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('GrpcServer');
  private server?: Server;
  private boundPort?: number;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING', [OIP_SERVICE_NAME]: 'NOT_SERVING' });
  private healthStatus: ServingStatus = 'NOT_SERVING';
  private healthTimer?: NodeJS.Timeout;

  constructor(
    private readonly inference: GrpcInferenceService,
    private readonly oip: OipService,
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
    this.health.addToServer(server);
    this.refreshHealth();
    this.healthTimer = setInterval(() => this.refreshHealth(), HEALTH_REFRESH_MS);
    this.healthTimer.unref();
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
    clearInterval(this.healthTimer);
    this.setHealth('NOT_SERVING');
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

  private refreshHealth(): void {
    this.setHealth(this.oip.serverReady() ? 'SERVING' : 'NOT_SERVING');
  }

  /** Watchers are told on every setStatus, so only a change is set. */
  private setHealth(status: ServingStatus): void {
    if (status === this.healthStatus) return;
    this.healthStatus = status;
    this.health.setStatus('', status);
    this.health.setStatus(OIP_SERVICE_NAME, status);
  }
}
