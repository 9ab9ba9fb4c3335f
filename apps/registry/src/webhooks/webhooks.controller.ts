import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor } from '@switchyard/http';
import { ListQueryDto } from '../common/list-query.dto';
import { CreatedWebhookResponse, CreateWebhookDto, DeliveryPage, UpdatedWebhookResponse, UpdateWebhookDto, WebhookList, WebhookResponse } from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedWebhookResponse, description: '*added*: the secret appears in this answer only' })
  create(@Body() dto: CreateWebhookDto, @Actor() actor: string): Promise<CreatedWebhookResponse> {
    return this.webhooks.create(dto, actor);
  }

  @Get()
  @ApiOkResponse({ type: WebhookList })
  async list(): Promise<WebhookList> {
    return { items: await this.webhooks.list() };
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookResponse })
  get(@Param('id') id: string): Promise<WebhookResponse> {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: UpdatedWebhookResponse, description: '*added*: the webhook as changed; `secret` only when this change set or generated one' })
  update(@Param('id') id: string, @Body() dto: UpdateWebhookDto, @Actor() actor: string): Promise<UpdatedWebhookResponse> {
    return this.webhooks.update(id, dto, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'removed with its delivery log' })
  async delete(@Param('id') id: string): Promise<void> {
    await this.webhooks.delete(id);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({ type: DeliveryPage, description: '*added*: newest first, each with its attempts and their outcomes' })
  deliveries(@Param('id') id: string, @Query() query: ListQueryDto): Promise<DeliveryPage> {
    return this.webhooks.deliveriesOf(id, query.limit, query.cursor);
  }
}
