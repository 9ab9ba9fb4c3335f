import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor, CallerKey, type Principal } from '@switchyard/http';
import { CallerKeyResponse, CreatedKeyResponse, CreateKeyDto, KeyList, KeyResponse, KeyStateList, UpdateKeyDto } from './dto/key.dto';
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

  @Get('me')
  @ApiOkResponse({
    type: CallerKeyResponse,
    description: "the caller's own key: its roles, what they amount to, and the models it is limited to (what a client may enable); never a secret",
  })
  me(@CallerKey() caller: Principal | null): CallerKeyResponse {
    return this.keys.describeCaller(caller);
  }

  @Get('states')
  @ApiOkResponse({
    type: KeyStateList,
    description:
      "every key's revocation and rate limit, for gateways (a viewer key): how they learn revocations and limits while Redis is down; no names, salts or hashes",
  })
  async states(): Promise<KeyStateList> {
    return { items: await this.keys.states() };
  }

  @Patch(':id')
  @ApiOkResponse({ type: KeyResponse, description: 'the key with its new rate limit; the gateways apply it within seconds, as a revocation' })
  update(@Param('id') id: string, @Body() dto: UpdateKeyDto, @Actor() actor: string): Promise<KeyResponse> {
    return this.keys.update(id, dto, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'revoked (again: still 204); the gateways refuse it within seconds' })
  revoke(@Param('id') id: string, @Actor() actor: string): Promise<void> {
    return this.keys.revoke(id, actor);
  }
}
