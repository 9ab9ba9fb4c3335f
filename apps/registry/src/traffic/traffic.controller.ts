import { Body, Controller, Headers, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor } from '@switchyard/http';
import { ModelNamePipe } from '../common/path-params';
import { DeploymentResponse } from '../deployments/dto/deployment.dto';
import { DeploymentsService } from '../deployments/deployments.service';
import { parseRevisionPrecondition } from '../deployments/if-match';
import { ChangeReasonDto, SetTrafficDto } from './dto/traffic.dto';
import { TrafficService } from './traffic.service';

@ApiTags('traffic')
@Controller('v1/models/:name')
export class TrafficController {
  constructor(
    private readonly traffic: TrafficService,
    private readonly deployments: DeploymentsService,
  ) {}

  @Put('traffic')
  @ApiHeader({ name: 'If-Match', required: true, description: 'the deployment revision you read ("3"); 428 without it, 412 if stale' })
  @ApiOkResponse({ type: DeploymentResponse })
  async setTraffic(
    @Param('name', ModelNamePipe) name: string,
    @Body() dto: SetTrafficDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentResponse> {
    await this.traffic.setShares(name, dto, actor, parseRevisionPrecondition(ifMatch));
    return this.deployments.getWithEtag(name, reply);
  }

  @Post('promote')
  @HttpCode(200)
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiOkResponse({ type: DeploymentResponse })
  async promote(
    @Param('name', ModelNamePipe) name: string,
    @Body() dto: ChangeReasonDto | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentResponse> {
    await this.traffic.promote(name, actor, parseRevisionPrecondition(ifMatch), dto?.reason);
    return this.deployments.getWithEtag(name, reply);
  }

  @Post('rollback')
  @HttpCode(200)
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiOkResponse({ type: DeploymentResponse })
  async rollback(
    @Param('name', ModelNamePipe) name: string,
    @Body() dto: ChangeReasonDto | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentResponse> {
    await this.traffic.rollback(name, actor, parseRevisionPrecondition(ifMatch), dto?.reason);
    return this.deployments.getWithEtag(name, reply);
  }
}
