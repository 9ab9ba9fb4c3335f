import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsNumber, IsOptional, Max, Min, ValidateIf } from 'class-validator';

export class GuardrailDto {
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 1, example: 0.01, description: 'trip when the challenger\'s error rate exceeds the champion\'s by more than this (absolute: 0.01 = one percentage point)' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  max_error_rate_increase?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: 100, example: 1.5, description: 'trip when the challenger\'s p99 latency exceeds the champion\'s times this' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(100)
  max_p99_latency_ratio?: number | null;

  @ApiPropertyOptional({ default: false, description: 'trip when the always-valid sequential test finds the challenger\'s outcome worse' })
  @IsOptional()
  @IsBoolean()
  trip_on_worse_outcome?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'added: trip when the always-valid sequential test finds the challenger\'s model quality worse on ground-truth labels (MAE for a regression, accuracy for a classifier)',
  })
  @IsOptional()
  @IsBoolean()
  trip_on_worse_quality?: boolean;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 100_000_000, description: 'judge only when each variant has at least this many requests in the window' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  min_requests?: number;

  @ApiPropertyOptional({ default: 60, minimum: 1, maximum: 10_080, description: 'the last this-many minutes of traffic are judged' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_080)
  window_minutes?: number;
}

export class GuardrailEvaluationResponse {
  @ApiProperty() checked_at: string;
  @ApiProperty({ enum: ['waiting', 'ok', 'tripped', 'idle'] }) state: string;
  @ApiProperty() detail: string;
}

export class GuardrailResponse {
  @ApiProperty() model: string;
  @ApiProperty({ type: GuardrailDto, nullable: true, description: 'null: no guardrail' }) guardrail: GuardrailDto | null;
  @ApiProperty({ type: GuardrailEvaluationResponse, nullable: true, description: 'the worker\'s last evaluation' }) last_evaluation: GuardrailEvaluationResponse | null;
}
