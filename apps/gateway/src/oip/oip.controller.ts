import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BINARY_TENSOR_DATA_EXTENSION } from '@switchyard/tensor';
import { OIP_SERVER_VERSION, OipService } from './oip.service';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Routes of the Open Inference Protocol REST API (see the spec); errors are `{"error": "..."}`. */
@ApiTags('open inference protocol (v2)')
@Controller('v2')
export class OipController {
  constructor(private readonly oip: OipService) {}

  @Get()
  @ApiOperation({ summary: 'server metadata' })
  serverMetadata() {
    return { name: 'switchyard', version: OIP_SERVER_VERSION, extensions: [BINARY_TENSOR_DATA_EXTENSION] };
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

  @Get('models/:name')
  modelMetadata(@Param('name') name: string) {
    return this.oip.metadata(name);
  }

  @Get('models/:name/versions/:version')
  versionMetadata(@Param('name') name: string, @Param('version') version: string) {
    return this.oip.metadata(name, version);
  }

  @Get('models/:name/ready')
  async modelReady(@Param('name') name: string) {
    return { name, ready: await this.oip.ready(name) };
  }

  @Get('models/:name/versions/:version/ready')
  async versionReady(@Param('name') name: string, @Param('version') version: string) {
    return { name, ready: await this.oip.ready(name, version) };
  }

  @Post('models/:name/infer')
  @HttpCode(200)
  infer(@Param('name') name: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.handleInfer(name, undefined, body, request, reply);
  }

  @Post('models/:name/versions/:version/infer')
  @HttpCode(200)
  inferVersion(
    @Param('name') name: string,
    @Param('version') version: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.handleInfer(name, version, body, request, reply);
  }

  private async handleInfer(name: string, version: string | undefined, body: unknown, request: FastifyRequest, reply: FastifyReply) {
    const { outcome, response, headers } = await this.oip.infer({
      model: name,
      version,
      body,
      routingKey: header(request, 'x-routing-key'),
      variantPin: header(request, 'x-switchyard-variant'),
      requestId: String(request.id),
    });
    void reply.headers({
      'X-Switchyard-Model': name,
      'X-Switchyard-Version': String(outcome.version.version),
      'X-Switchyard-Variant': outcome.variant,
      ...headers,
    });
    return response;
  }
}
