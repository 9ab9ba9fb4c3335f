import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TypedConfig } from '@switchyard/config';
import { type DeploymentChangedMessage, deploymentsChannel, REDIS_CLIENT } from '@switchyard/queues';

/**
 * Tells gateways a deployment changed, after the change committed. A lost message is not fatal:
 * gateways also poll GET /v1/deployments and compare revisions.
 */
@Injectable()
export class DeploymentPublisher {
  private readonly logger = new Logger(DeploymentPublisher.name);
  private readonly channel: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: TypedConfig,
  ) {
    this.channel = deploymentsChannel(config.get('REDIS_PREFIX'));
  }

  async publish(message: DeploymentChangedMessage): Promise<void> {
    try {
      await this.redis.publish(this.channel, JSON.stringify(message));
    } catch (error) {
      this.logger.warn({ err: error, ...message }, 'could not publish a deployment change; gateways will pick it up by polling');
    }
  }
}
