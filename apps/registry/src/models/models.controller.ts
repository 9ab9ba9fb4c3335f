import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor, CallerModels } from '@switchyard/http';
import { parseModelSearch, type RawQuery } from '../common/search-query';
import { ApiModelSearch } from '../common/search-query.openapi';
import { ModelNamePipe } from '../common/path-params';
import { CreateModelDto, ModelPage, ModelResponse, UpdateModelDto } from './dto/model.dto';
import { ModelsService } from './models.service';

@ApiTags('models')
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Post()
  @ApiCreatedResponse({ type: ModelResponse })
  async create(@Body() dto: CreateModelDto, @Actor() actor: string): Promise<ModelResponse> {
    return this.models.present(await this.models.create(dto, actor));
  }

  @Get()
  @ApiOkResponse({ type: ModelPage })
  @ApiModelSearch()
  list(@Query() query: RawQuery, @CallerModels() visible: string[] | null): Promise<ModelPage> {
    return this.models.list(parseModelSearch(query), visible);
  }

  @Get(':name')
  @ApiOkResponse({ type: ModelResponse })
  async get(@Param('name', ModelNamePipe) name: string): Promise<ModelResponse> {
    return this.models.present(await this.models.getByName(name));
  }

  @Patch(':name')
  @ApiOkResponse({ type: ModelResponse })
  async update(@Param('name', ModelNamePipe) name: string, @Body() dto: UpdateModelDto, @Actor() actor: string): Promise<ModelResponse> {
    return this.models.present(await this.models.update(name, dto, actor));
  }
}
