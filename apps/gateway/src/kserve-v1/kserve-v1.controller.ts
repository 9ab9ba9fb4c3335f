import { Controller, Get, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { KserveV1Service } from './kserve-v1.service';

/**
 * KServe's v1 protocol beside the predict routes (kserve-v1.route.ts, on Fastify directly): liveness at
 * `/`, the model list and model readiness. Errors are `{"error": "..."}`, as KServe and TensorFlow
 * Serving answer them.
 */
@ApiTags('KServe v1 protocol')
@Controller()
export class KserveV1Controller {
  constructor(private readonly v1: KserveV1Service) {}

  @Get()
  @ApiOperation({ summary: "KServe v1 liveness: {status: 'alive'} while the process runs" })
  live() {
    return { status: 'alive' };
  }

  @Get('v1/models')
  @ApiOperation({ summary: 'KServe v1: the models deployed to this gateway, {models: [name, ...]}' })
  models(@Req() request: FastifyRequest) {
    return { models: this.v1.models(request.principal?.models ?? null) };
  }

  @Get('v1/models/:name')
  @ApiOperation({ summary: "KServe v1 model readiness: {name, ready: true}; 503 while the model's champion loads, 404 for a model not deployed" })
  ready(@Param('name') name: string) {
    return this.v1.ready(name);
  }
}
