import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@switchyard/errors';
import { Actor } from '@switchyard/http';
import { TypedConfig } from '@switchyard/config';
import { parseVersionSearch, type RawQuery } from '../common/search-query';
import { ApiVersionSearch } from '../common/search-query.openapi';
import { ModelNamePipe, VersionNumberPipe } from '../common/path-params';
import { UpdateVersionDto, VersionPage, VersionResponse } from './dto/version.dto';
import { UPLOAD_PARSER_OPTIONS, watchForStalledBody } from './upload-body';
import { presentVersion, VersionsService } from './versions.service';

@ApiTags('versions')
@Controller('v1/models/:name/versions')
export class VersionsController {
  constructor(
    private readonly versions: VersionsService,
    private readonly config: TypedConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['artifact'],
      properties: {
        artifact: { type: 'string', format: 'binary', description: 'the .onnx file' },
        metadata: {
          type: 'string',
          description:
            'JSON object: {description?, tags?, metrics?, source?, input_example?}, at most 64 KiB (413 above); input_example is a /v1 predict body ({"inputs": {...}} or {"instances": [...]}, at most 16384 values), checked for form here (400 naming the field) and against the signature by validation',
        },
      },
    },
  })
  @ApiCreatedResponse({ type: VersionResponse })
  async upload(
    @Param('name', ModelNamePipe) name: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Actor() actor: string,
  ): Promise<VersionResponse> {
    if (!request.isMultipart()) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'upload a version as multipart/form-data with a file part named "artifact"');
    }
    const watch = watchForStalledBody(request.raw, this.config.get('UPLOAD_IDLE_TIMEOUT_MS'));
    try {
      const version = await this.versions.upload(name, { parts: request.parts(UPLOAD_PARSER_OPTIONS), stalled: watch.stalled }, actor);
      void reply.header('Location', `/v1/models/${name}/versions/${version.version}`);
      return presentVersion(name, version);
    } catch (error) {
      // The rest of a stalled body will not be read: close the connection once the answer is sent.
      if (watch.stalled.aborted) void reply.header('Connection', 'close');
      throw error;
    } finally {
      watch.stop();
    }
  }

  @Get()
  @ApiOkResponse({ type: VersionPage })
  @ApiVersionSearch()
  list(@Param('name', ModelNamePipe) name: string, @Query() query: RawQuery): Promise<VersionPage> {
    return this.versions.list(name, parseVersionSearch(query));
  }

  @Get(':version')
  @ApiOkResponse({ type: VersionResponse })
  async get(
    @Param('name', ModelNamePipe) name: string,
    @Param('version', VersionNumberPipe) version: number,
  ): Promise<VersionResponse> {
    return presentVersion(name, await this.versions.get(name, version));
  }

  @Patch(':version')
  @ApiOkResponse({ type: VersionResponse, description: '*added*: description replaced, tags merged (null removes one), metrics added (409 if one would be rewritten); audited' })
  async update(
    @Param('name', ModelNamePipe) name: string,
    @Param('version', VersionNumberPipe) version: number,
    @Body() dto: UpdateVersionDto,
    @Actor() actor: string,
  ): Promise<VersionResponse> {
    return presentVersion(name, await this.versions.update(name, version, dto, actor));
  }

  @Delete(':version')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'deleted with its artifact; 409 while an alias points at it' })
  async delete(
    @Param('name', ModelNamePipe) name: string,
    @Param('version', VersionNumberPipe) version: number,
  ): Promise<void> {
    await this.versions.delete(name, version);
  }

  @Get(':version/artifact')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'the artifact bytes; ETag is the quoted sha256' })
  async download(
    @Param('name', ModelNamePipe) name: string,
    @Param('version', VersionNumberPipe) version: number,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const found = await this.versions.get(name, version);
    const etag = `"${found.sha256}"`;
    if (ifNoneMatch && ifNoneMatch.split(',').map((t) => t.trim()).includes(etag)) {
      await reply.status(304).header('ETag', etag).send();
      return;
    }
    // No Content-Length from the row: if the stored bytes were ever damaged, a declared length they
    // do not match would leave the client waiting for bytes that never come. The ETag lets it verify.
    const { body } = await this.versions.openArtifact(name, version);
    await reply
      .header('ETag', etag)
      .header('Content-Type', 'application/octet-stream')
      .header('Content-Disposition', `attachment; filename="${name}-v${version}.onnx"`)
      .send(body);
  }
}
