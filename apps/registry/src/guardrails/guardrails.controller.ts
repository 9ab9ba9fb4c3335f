import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor } from '@switchyard/http';
import { ModelNamePipe } from '../common/path-params';
import { GuardrailDto, GuardrailResponse } from './guardrail.dto';
import { GuardrailsService } from './guardrails.service';

@ApiTags('guardrails')
@Controller('v1/models/:name/guardrails')
export class GuardrailsController {
  constructor(private readonly guardrails: GuardrailsService) {}

  @Get()
  @ApiOkResponse({ type: GuardrailResponse })
  get(@Param('name', ModelNamePipe) name: string): Promise<GuardrailResponse> {
    return this.guardrails.get(name);
  }

  /** Replaces the guardrail; when it trips, the worker sets the challenger's traffic to 0 (audited as `guardrail`). */
  @Put()
  @ApiOkResponse({ type: GuardrailResponse })
  set(@Param('name', ModelNamePipe) name: string, @Body() dto: GuardrailDto, @Actor() actor: string): Promise<GuardrailResponse> {
    return this.guardrails.set(name, dto, actor);
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@Param('name', ModelNamePipe) name: string, @Actor() actor: string): Promise<void> {
    return this.guardrails.remove(name, actor);
  }
}
