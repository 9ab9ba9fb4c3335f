import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { BatchingDto, DeploymentResponse } from '../../deployments/dto/deployment.dto';
import { IsObject, IsOptional, IsString, Matches, MaxLength, Validate, ValidateNested, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';

export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

@ValidatorConstraint({ name: 'stringMap' })
export class IsStringMap implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return entries.length <= 50 && entries.every(([k, v]) => k.length >= 1 && k.length <= 128 && typeof v === 'string' && v.length <= 1024);
  }

  defaultMessage(): string {
    return 'tags must be an object of at most 50 string values (keys 1–128 characters, values up to 1024)';
  }
}

export class CreateModelDto {
  @ApiProperty({ example: 'fraud-scorer', pattern: MODEL_NAME_PATTERN.source })
  @IsString()
  @Matches(MODEL_NAME_PATTERN, { message: `name must match ${MODEL_NAME_PATTERN.source} (lowercase letters, digits, "-" and "_", at most 63)` })
  name: string;

  @ApiPropertyOptional({ example: 'Scores card transactions' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string;

  @ApiPropertyOptional({ example: { team: 'risk' }, type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  @Validate(IsStringMap)
  tags?: Record<string, string>;
}

export class UpdateModelDto {
  @ApiPropertyOptional({
    type: BatchingDto,
    nullable: true,
    description: 'dynamic batching in the gateways (like Triton\'s dynamic batcher); null turns it off',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => BatchingDto)
  batching?: BatchingDto | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  @Validate(IsStringMap)
  tags?: Record<string, string>;
}

export class ModelSummary {
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) tags: Record<string, string>;
  @ApiProperty({ description: 'highest version number handed out so far (0 before the first upload)' }) latest_version: number;
  @ApiProperty({ type: BatchingDto, nullable: true }) batching: BatchingDto | null;
  @ApiProperty() created_by: string;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class ModelResponse extends ModelSummary {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'alias → version' })
  aliases: Record<string, number>;
  @ApiProperty({ type: DeploymentResponse })
  deployment: DeploymentResponse;
}

export class ModelPage {
  @ApiProperty({ type: [ModelSummary] }) items: ModelSummary[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
