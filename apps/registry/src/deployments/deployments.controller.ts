import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CallerModels } from '@switchyard/http';
import { ModelNamePipe } from '../common/path-params';
import {
  DeploymentAtQuery,
  DeploymentAtResponse,
  DeploymentResponse,
  GatewayDeploymentList,
} from './dto/deployment.dto';
import { DeploymentsService } from './deployments.service';

@ApiTags('deployments')
@Controller('v1')
export class DeploymentsController {
  constructor(private readonly deployments: DeploymentsService) {}

  @Get('models/:name/deployment')
  @ApiOkResponse({ type: DeploymentResponse, description: 'ETag is the quoted revision; with ?at= the state then, from the audit log' })
  async get(
    @Param('name', ModelNamePipe) name: string,
    @Query() query: DeploymentAtQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentResponse | DeploymentAtResponse> {
    if (query.at !== undefined) return this.deployments.at(name, new Date(query.at));
    return this.deployments.getWithEtag(name, reply);
  }

  @Get('deployments')
  @ApiOkResponse({ type: GatewayDeploymentList })
  async list(@CallerModels() visible: string[] | null): Promise<GatewayDeploymentList> {
    const [items, instance] = await Promise.all([this.deployments.forGateways(visible), this.deployments.instanceId()]);
    return { items, registry_instance: instance };
  }
}
