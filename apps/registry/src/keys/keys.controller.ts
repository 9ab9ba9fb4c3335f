import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor } from '../../../../libs/http/src';
import { CreatedKeyResponse, CreateKeyDto, KeyList } from './dto/key.dto';
import { KeysService } from './keys.service';

@ApiTags('keys')
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedKeyResponse, description: 'the key is in `key`, shown this once' })
  create(@Body() dto: CreateKeyDto, @Actor() actor: string): Promise<CreatedKeyResponse> {
    return this.keys.create(dto, actor);
  }

  @Get()
  @ApiOkResponse({ type: KeyList, description: 'every key, revoked ones included, newest first; never a secret' })
  async list(): Promise<KeyList> {
    return { items: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'revoked (again: still 204); the gateways refuse it within seconds' })
  revoke(@Param('id') id: string, @Actor() actor: string): Promise<void> {
    return this.keys.revoke(id, actor);
  }
}
