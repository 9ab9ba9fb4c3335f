import { Body, Controller, Delete, Headers, Param, Put, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor } from '@switchyard/http';
import { AliasNamePipe, ModelNamePipe } from '../common/path-params';
import { parseRevisionPrecondition } from '../deployments/if-match';
import { DeploymentResponse } from '../deployments/dto/deployment.dto';
import { DeploymentsService } from '../deployments/deployments.service';
import { AliasesService } from './aliases.service';
import { SetAliasDto } from './dto/alias.dto';

@ApiTags('aliases')
@Controller('v1/models/:name/aliases/:alias')
export class AliasesController {
  constructor(
    private readonly aliases: AliasesService,
    private readonly deployments: DeploymentsService,
  ) {}

  @Put()
  @ApiHeader({ name: 'If-Match', required: false, description: 'the deployment revision you read; 412 if it moved' })
  @ApiOkResponse({ type: DeploymentResponse })
  async set(
    @Param('name', ModelNamePipe) name: string,
    @Param('alias', AliasNamePipe) alias: string,
    @Body() dto: SetAliasDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentResponse> {
    await this.aliases.set(name, alias, dto, actor, parseRevisionPrecondition(ifMatch));
    return this.deployments.getWithEtag(name, reply);
  }

  @Delete()
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiOkResponse({ type: DeploymentResponse })
  async remove(
    @Param('name', ModelNamePipe) name: string,
    @Param('alias', AliasNamePipe) alias: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentResponse> {
    await this.aliases.remove(name, alias, actor, parseRevisionPrecondition(ifMatch));
    return this.deployments.getWithEtag(name, reply);
  }
}
