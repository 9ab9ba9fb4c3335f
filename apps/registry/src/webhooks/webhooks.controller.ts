import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor } from '@switchyard/http';
import { ListQueryDto } from '../common/list-query.dto';
import { CreatedWebhookResponse, CreateWebhookDto, DeliveryPage, WebhookList, WebhookResponse } from './dto/webhook.dto';
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
