import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, Equals, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { EVENT_TYPES } from '@switchyard/events';
import { MODEL_NAME_PATTERN } from '../../models/dto/model.dto';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://ci.example.com/hooks/switchyard', description: 'http or https; loopback, private and link-local addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true' })
  @IsString()
  @MaxLength(2000)
  url: string;

  @ApiProperty({ enum: EVENT_TYPES, isArray: true, example: ['version.ready', 'deployment.changed'] })
  @IsArray()
  @ArrayMinSize(1, { message: 'events must name at least one event' })
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true, message: `each event must be one of ${EVENT_TYPES.join(', ')}` })
  events: string[];

  @ApiPropertyOptional({ example: 'fraud-scorer', description: 'only this model\'s events; absent: every model\'s' })
  @IsOptional()
  @IsString()
  @Matches(MODEL_NAME_PATTERN, { message: `model must be a model name (${MODEL_NAME_PATTERN.source})` })
  model?: string;

  @ApiPropertyOptional({ description: 'whsec_ followed by the base64 of 24–64 random bytes (Standard Webhooks); absent: one is generated and returned once' })
  @IsOptional()
  @IsString()
  secret?: string;
}

/** How long a replaced signing secret still signs deliveries by default: a day, as Svix keeps one. */
export const DEFAULT_SECRET_OVERLAP_SECONDS = 86_400;
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 86_400;

/** What an admin may change about a webhook; what is absent stays as it is. */
export class UpdateWebhookDto {
  @ApiPropertyOptional({ example: 'https://ci.example.com/hooks/switchyard-v2', description: 'checked as on creation; deliveries still pending go to the new URL' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true, description: 'the event types it receives from now on' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'events must name at least one event' })
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true, message: `each event must be one of ${EVENT_TYPES.join(', ')}` })
  events?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, example: 'fraud-scorer', description: "only this model's events from now on; null: every model's" })
  @ValidateIf((dto: UpdateWebhookDto) => dto.model !== undefined && dto.model !== null)
  @IsString()
  @Matches(MODEL_NAME_PATTERN, { message: `model must be a model name (${MODEL_NAME_PATTERN.source}) or null` })
  model?: string | null;

  @ApiPropertyOptional({ description: 'a new signing secret (whsec_ followed by the base64 of 24–64 bytes); deliveries from now on, retries included, are signed with it' })
  @IsOptional()
  @IsString()
  secret?: string;

  @ApiPropertyOptional({ description: 'true: generate a new signing secret, returned in this answer only (a leaked secret is replaced this way)' })
  @IsOptional()
  @Equals(true, { message: 'rotate_secret must be true, or absent' })
  rotate_secret?: true;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_SECRET_OVERLAP_SECONDS,
    default: DEFAULT_SECRET_OVERLAP_SECONDS,
    description:
      'with secret or rotate_secret: for how long deliveries are also signed with the secret being replaced (a second v1 signature in webhook-signature), so the receiver can switch without refusing any; 0: at once',
  })
  @IsOptional()
  @IsInt({ message: 'secret_overlap_seconds must be a whole number of seconds' })
  @Min(0, { message: 'secret_overlap_seconds must be 0 or more' })
  @Max(MAX_SECRET_OVERLAP_SECONDS, { message: `secret_overlap_seconds must be at most ${MAX_SECRET_OVERLAP_SECONDS} (7 days)` })
  secret_overlap_seconds?: number;
}

export class WebhookResponse {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: EVENT_TYPES, isArray: true }) events: string[];
  @ApiProperty({ type: String, nullable: true }) model: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'until when deliveries are also signed with the secret the last rotation replaced; null: only with the current one' })
  previous_secret_expires_at: string | null;
  @ApiProperty() created_by: string;
  @ApiProperty() created_at: string;
}

export class CreatedWebhookResponse extends WebhookResponse {
  @ApiProperty({ description: 'the signing secret: shown only in this answer' }) secret: string;
}

export class UpdatedWebhookResponse extends WebhookResponse {
  @ApiPropertyOptional({ description: 'the new signing secret, when this change set or generated one: shown only in this answer' }) secret?: string;
}

export class WebhookList {
  @ApiProperty({ type: [WebhookResponse] }) items: WebhookResponse[];
}

export class DeliveryAttemptResponse {
  @ApiProperty() at: string;
  @ApiProperty({ type: Number, nullable: true, description: 'the receiver\'s status; null when none came (refused, timed out, address refused)' }) status_code: number | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty() duration_ms: number;
}

export class DeliveryResponse {
  @ApiProperty() id: number;
  @ApiProperty({ description: 'the event id, sent as webhook-id: the same on every attempt' }) event_id: string;
  @ApiProperty({ enum: EVENT_TYPES }) event_type: string;
  @ApiProperty() model: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: [DeliveryAttemptResponse] }) attempt_log: DeliveryAttemptResponse[];
  @ApiProperty() created_at: string;
  @ApiProperty({ type: String, nullable: true }) delivered_at: string | null;
}

export class DeliveryPage {
  @ApiProperty({ type: [DeliveryResponse] }) items: DeliveryResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
