import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OIP_SERVER_METADATA, OipService } from './oip.service';

/**
 * Routes of the Open Inference Protocol REST API (see the spec); errors are `{"error": "..."}`. The
 * infer routes are registered on Fastify directly (oip-infer.route.ts).
 */
@ApiTags('open inference protocol (v2)')
@Controller('v2')
export class OipController {
  constructor(private readonly oip: OipService) {}

  @Get()
  @ApiOperation({ summary: 'server metadata' })
  serverMetadata() {
    return OIP_SERVER_METADATA;
  }

  @Get('health/live')
  live() {
    return { live: true };
  }

  @Get('health/ready')
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const ready = this.oip.serverReady();
    if (!ready) void reply.status(503);
    return { ready };
  }

  @Post('repository/index')
  @HttpCode(200)
  @ApiOperation({ summary: "*added* — Triton's repository index: [{name, version, state: READY|LOADING|UNAVAILABLE, reason?}]; body empty or {ready: true} for the ready versions only" })
  repositoryIndex(@Body() body: unknown, @Req() request: FastifyRequest) {
    return this.oip.repositoryIndex(body, request.principal?.models ?? null);
  }

  @Get('models/:name')
  modelMetadata(@Param('name') name: string) {
    return this.oip.metadata(name);
  }

  @Get('models/:name/versions/:version')
  versionMetadata(@Param('name') name: string, @Param('version') version: string) {
    return this.oip.metadata(name, version);
  }

  @Get('models/:name/config')
  @ApiOperation({ summary: "*added* — Triton's model configuration extension: max_batch_size, and each tensor's data_type and dims" })
  modelConfig(@Param('name') name: string) {
    return this.oip.config(name);
  }

  @Get('models/:name/versions/:version/config')
  @ApiOperation({ summary: "*added* — Triton's model configuration of one version" })
  versionConfig(@Param('name') name: string, @Param('version') version: string) {
    return this.oip.config(name, version);
  }

  @Get('models/:name/ready')
  async modelReady(@Param('name') name: string) {
    return { name, ready: await this.oip.ready(name) };
  }

  @Get('models/:name/versions/:version/ready')
  async versionReady(@Param('name') name: string, @Param('version') version: string) {
    return { name, ready: await this.oip.ready(name, version) };
  }
}
