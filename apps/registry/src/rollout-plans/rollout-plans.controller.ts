import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@switchyard/errors';
import { Actor } from '@switchyard/http';
import { ModelNamePipe } from '../common/path-params';
import { parseRevisionPrecondition } from '../deployments/if-match';
import { ChangeReasonDto } from '../traffic/dto/traffic.dto';
import { RolloutPlanResponse, SetRolloutPlanDto } from './dto/rollout-plan.dto';
import { RolloutPlansService } from './rollout-plans.service';

function withEtag(reply: FastifyReply, plan: RolloutPlanResponse): RolloutPlanResponse {
  void reply.header('ETag', `"${plan.revision}"`);
  return plan;
}

function noneMatchesAny(header: string | undefined): boolean {
  if (header === undefined || header.trim() === '') return false;
  if (header.trim() === '*') return true;
  throw new DomainError('VALIDATION_FAILED', 'If-None-Match takes only * here ("create the plan only if the model has none")', {
    errors: [{ field: 'If-None-Match', message: 'only * is accepted' }],
  });
}

const IF_MATCH = { name: 'If-Match', required: false, description: "the plan's revision you read (its ETag); 412 if stale" };

@ApiTags('rollout-plans')
@Controller('v1/models/:name/rollout-plan')
export class RolloutPlansController {
  constructor(private readonly plans: RolloutPlansService) {}

  @Get()
  @ApiOkResponse({ type: RolloutPlanResponse, description: "ETag is the plan's quoted revision" })
  async get(@Param('name', ModelNamePipe) name: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<RolloutPlanResponse> {
    return withEtag(reply, await this.plans.get(name));
  }

  @Put()
  @ApiHeader({ ...IF_MATCH, description: "replacing a plan: its revision (428 without, 412 if stale); creating the first plan: leave it out" })
  @ApiHeader({ name: 'If-None-Match', required: false, description: '* : create only if the model has no plan (412 otherwise)' })
  @ApiOkResponse({ type: RolloutPlanResponse })
  async set(
    @Param('name', ModelNamePipe) name: string,
    @Body() dto: SetRolloutPlanDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RolloutPlanResponse> {
    const precondition = { ifMatch: parseRevisionPrecondition(ifMatch), ifNoneMatch: noneMatchesAny(ifNoneMatch) };
    return withEtag(reply, await this.plans.set(name, dto, actor, precondition));
  }

  @Post('pause')
  @HttpCode(200)
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: RolloutPlanResponse })
  async pause(
    @Param('name', ModelNamePipe) name: string,
    @Body() dto: ChangeReasonDto | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RolloutPlanResponse> {
    return withEtag(reply, await this.plans.pause(name, actor, { ifMatch: parseRevisionPrecondition(ifMatch) }, dto?.reason));
  }

  @Post('resume')
  @HttpCode(200)
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: RolloutPlanResponse })
  async resume(
    @Param('name', ModelNamePipe) name: string,
    @Body() dto: ChangeReasonDto | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RolloutPlanResponse> {
    return withEtag(reply, await this.plans.resume(name, actor, { ifMatch: parseRevisionPrecondition(ifMatch) }, dto?.reason));
  }

  /** Cancels the plan (kept, as `cancelled`, so its record stays readable); the deployment is left as it stands. */
  @Delete()
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: RolloutPlanResponse })
  async cancel(
    @Param('name', ModelNamePipe) name: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RolloutPlanResponse> {
    return withEtag(reply, await this.plans.cancel(name, actor, { ifMatch: parseRevisionPrecondition(ifMatch) }));
  }
}
