import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DeploymentSync } from '../deployment-sync/deployment-sync.service';
import { ModelSessions } from '../sessions/model-sessions.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly sync: DeploymentSync,
    private readonly sessions: ModelSessions,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Ready once a deployment list has been applied and every deployed model's champion is loaded.
   * It does not depend on Postgres, Redis or the registry: the gateway serves from memory through
   * their outages. It names the replica that answered: behind one port, one of several workers.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => {
        const check = this.indicators.check('models');
        const deployed = this.sync.deployedModels();
        const missing = deployed.filter((model) => !this.sessions.serving(model));
        const details = { replica: this.sync.replicaId, synced: this.sync.isSynced, deployed: deployed.length, not_loaded: missing };
        return this.sync.isSynced && missing.length === 0 ? check.up(details) : check.down(details);
      },
    ]);
  }
}
