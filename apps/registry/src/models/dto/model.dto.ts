import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import type { ModelTask } from '@switchyard/domain';
import { BatchingDto, DeploymentResponse } from '../../deployments/dto/deployment.dto';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, Validate, ValidateNested, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';

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

/** What the model's outputs mean: it decides the outcome metric of its A/B tests (a mean or accuracy). */
class ModelTaskFields {
  @ApiPropertyOptional({
    enum: ['regression', 'classification'],
    nullable: true,
    description: 'null (the default): inferred from the champion\'s first output — labels or a score per class → classification, one number → regression',
  })
  @IsOptional()
  @IsIn(['regression', 'classification'], { message: 'task must be "regression" or "classification" (or null to infer it)' })
  task?: ModelTask | null;

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'class names by index, for a classifier that outputs a score per class', example: ['legit', 'fraud'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(200, { each: true })
  labels?: string[] | null;
}

export class CreateModelDto extends ModelTaskFields {
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

  @ApiPropertyOptional({ description: '*added*: versions must be approved (POST .../approve, by another key than the uploader\'s) before they take champion, challenger or shadow; default false' })
  @IsOptional()
  @IsBoolean({ message: 'require_approval must be true or false' })
  require_approval?: boolean;
}

export class UpdateModelDto extends ModelTaskFields {
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

  @ApiPropertyOptional({ description: '*added*: versions must be approved (POST .../approve, by another key than the uploader\'s) before they take champion, challenger or shadow; default false' })
  @IsOptional()
  @IsBoolean({ message: 'require_approval must be true or false' })
  require_approval?: boolean;
}

export class ModelSummary {
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) tags: Record<string, string>;
  @ApiProperty({ description: 'highest version number handed out so far (0 before the first upload)' }) latest_version: number;
  @ApiProperty({ type: BatchingDto, nullable: true }) batching: BatchingDto | null;
  @ApiProperty({ enum: ['regression', 'classification'], nullable: true, description: 'as set; null means inferred from the champion' }) task: ModelTask | null;
  @ApiProperty({ type: [String], nullable: true }) labels: string[] | null;
  @ApiProperty({ description: '*added*: versions need approval before they take champion, challenger or shadow' }) require_approval: boolean;
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
