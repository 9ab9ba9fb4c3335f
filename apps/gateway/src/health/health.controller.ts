import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthCheckService) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * The gateway serves from memory and keeps serving when Postgres, Redis or the registry are down,
   * so readiness does not depend on them.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([]);
  }
}
