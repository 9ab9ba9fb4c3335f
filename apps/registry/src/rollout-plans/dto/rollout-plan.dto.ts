import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNumber, IsOptional, Max, Min, ValidateIf, ValidateNested } from 'class-validator';

const MAX_STEP_SECONDS = 30 * 24 * 3_600;
const MAX_COUNT = 100_000_000;
const finite = { allowNaN: false, allowInfinity: false };

export class RolloutStepDto {
  @ApiPropertyOptional({ minimum: 0.01, maximum: 100, example: 5, description: "the challenger's share of real traffic in this step (two decimals at most); exactly one of challenger_percent and shadow_percent" })
  @IsOptional()
  @IsNumber({ ...finite, maxDecimalPlaces: 2 }, { message: 'challenger_percent must be a number above 0 and at most 100, with at most two decimals' })
  @Min(0.01, { message: 'challenger_percent must be above 0 and at most 100' })
  @Max(100, { message: 'challenger_percent must be above 0 and at most 100' })
  challenger_percent?: number;

  @ApiPropertyOptional({ minimum: 0.01, maximum: 100, example: 100, description: "the share of the champion's requests copied to the `shadow` alias in this step (the challenger gets none)" })
  @IsOptional()
  @IsNumber({ ...finite, maxDecimalPlaces: 2 }, { message: 'shadow_percent must be a number above 0 and at most 100, with at most two decimals' })
  @Min(0.01, { message: 'shadow_percent must be above 0 and at most 100' })
  @Max(100, { message: 'shadow_percent must be above 0 and at most 100' })
  shadow_percent?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_STEP_SECONDS, description: "overrides the plan's min_duration_seconds for this step" })
  @IsOptional()
  @IsInt({ message: 'min_duration_seconds must be a whole number of seconds, 0 or more' })
  @Min(0, { message: 'min_duration_seconds must be 0 or more' })
  @Max(MAX_STEP_SECONDS, { message: `min_duration_seconds must be at most ${MAX_STEP_SECONDS} (30 days)` })
  min_duration_seconds?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_COUNT, description: "overrides the plan's min_requests for this step" })
  @IsOptional()
  @IsInt({ message: 'min_requests must be a whole number, 0 or more' })
  @Min(0, { message: 'min_requests must be 0 or more' })
  @Max(MAX_COUNT)
  min_requests?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_COUNT, description: "overrides the plan's min_outcomes for this step" })
  @IsOptional()
  @IsInt({ message: 'min_outcomes must be a whole number, 0 or more' })
  @Min(0, { message: 'min_outcomes must be 0 or more' })
  @Max(MAX_COUNT)
  min_outcomes?: number;
}

export class RolloutGatesDto {
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 1, default: 0.01, description: "abort when the candidate's error rate exceeds the champion's by more than this (absolute: 0.01 = one point); null: not checked" })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber(finite, { message: 'max_error_rate_increase must be a number from 0 to 1, or null' })
  @Min(0, { message: 'max_error_rate_increase must be from 0 to 1' })
  @Max(1, { message: 'max_error_rate_increase must be from 0 to 1' })
  max_error_rate_increase?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: 100, default: 1.5, description: "abort when the candidate's p99 latency exceeds the champion's times this; null: not checked" })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber(finite, { message: 'max_p99_latency_ratio must be a number from 1 to 100, or null' })
  @Min(1, { message: 'max_p99_latency_ratio must be from 1 to 100' })
  @Max(100, { message: 'max_p99_latency_ratio must be from 1 to 100' })
  max_p99_latency_ratio?: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 0,
    default: 0,
    description:
      "non-inferiority margin δ in the metric's unit (accuracy as a fraction): abort when the always-valid test shows the challenger worse than the champion − δ; null: no outcome gate (promotion still uses δ = 0)",
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber(finite, { message: 'outcome_margin must be a number, 0 or more, or null' })
  @Min(0, { message: 'outcome_margin must be 0 or more' })
  @Max(1e12)
  outcome_margin?: number | null;
}

export class SetRolloutPlanDto {
  @ApiProperty({ type: [RolloutStepDto], minItems: 1, maxItems: 20, description: 'shadow steps first, then challenger steps; each kind strictly increasing' })
  @IsArray({ message: 'steps must be an array of steps' })
  @ArrayMinSize(1, { message: 'steps needs at least one step' })
  @ArrayMaxSize(20, { message: 'steps holds at most 20 steps' })
  @ValidateNested({ each: true })
  @Type(() => RolloutStepDto)
  steps: RolloutStepDto[];

  @ApiPropertyOptional({ default: 600, minimum: 0, description: 'least time each step runs, in seconds (a step may override it)' })
  @IsOptional()
  @IsInt({ message: 'min_duration_seconds must be a whole number of seconds, 0 or more' })
  @Min(0, { message: 'min_duration_seconds must be 0 or more' })
  @Max(MAX_STEP_SECONDS, { message: `min_duration_seconds must be at most ${MAX_STEP_SECONDS} (30 days)` })
  min_duration_seconds?: number;

  @ApiPropertyOptional({ default: 500, minimum: 0, description: "least requests the step's candidate serves before the plan moves on" })
  @IsOptional()
  @IsInt({ message: 'min_requests must be a whole number, 0 or more' })
  @Min(0, { message: 'min_requests must be 0 or more' })
  @Max(MAX_COUNT)
  min_requests?: number;

  @ApiPropertyOptional({ default: 100, minimum: 0, description: "least outcomes (feedback) on the challenger's predictions per challenger step" })
  @IsOptional()
  @IsInt({ message: 'min_outcomes must be a whole number, 0 or more' })
  @Min(0, { message: 'min_outcomes must be 0 or more' })
  @Max(MAX_COUNT)
  min_outcomes?: number;

  @ApiPropertyOptional({ type: RolloutGatesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => RolloutGatesDto)
  gates?: RolloutGatesDto;

  @ApiPropertyOptional({ default: 0.05, minimum: 0.0001, maximum: 0.5, description: 'error bound of the always-valid test behind the outcome gate and the promotion' })
  @IsOptional()
  @IsNumber(finite, { message: 'alpha must be a number from 0.0001 to 0.5' })
  @Min(0.0001, { message: 'alpha must be from 0.0001 to 0.5' })
  @Max(0.5, { message: 'alpha must be from 0.0001 to 0.5' })
  alpha?: number;

  @ApiPropertyOptional({ enum: ['promote', 'hold'], default: 'hold', description: 'after the last step: promote once the challenger is shown at least as good, or hold for a person' })
  @IsOptional()
  @IsIn(['promote', 'hold'], { message: 'end must be "promote" or "hold"' })
  end?: 'promote' | 'hold';
}

export class RolloutStepResponse {
  @ApiPropertyOptional() challenger_percent?: number;
  @ApiPropertyOptional() shadow_percent?: number;
  @ApiProperty() min_duration_seconds: number;
  @ApiProperty() min_requests: number;
  @ApiProperty() min_outcomes: number;
}

export class RolloutGatesResponse {
  @ApiProperty({ type: Number, nullable: true }) max_error_rate_increase: number | null;
  @ApiProperty({ type: Number, nullable: true }) max_p99_latency_ratio: number | null;
  @ApiProperty({ type: Number, nullable: true }) outcome_margin: number | null;
}

export class RolloutSamples {
  @ApiProperty({ description: "the step's candidate's requests at the last evaluation" }) requests: number;
  @ApiProperty({ description: "outcomes on the challenger's predictions at the last evaluation" }) outcomes: number;
  @ApiProperty({ type: Number, nullable: true, description: 'seconds since the step was applied (null: not applied yet)' }) elapsed_seconds: number | null;
}

export class RolloutPlanResponse {
  @ApiProperty() model: string;
  @ApiProperty({ enum: ['active', 'paused', 'completed', 'aborted', 'cancelled', 'held'] }) state: string;
  @ApiProperty({ type: [RolloutStepResponse] }) steps: RolloutStepResponse[];
  @ApiProperty({ description: '0-based index into steps' }) current_step: number;
  @ApiProperty({ type: String, nullable: true, description: 'when the worker applied the current step; null until it has' }) step_started_at: string | null;
  @ApiProperty({ type: RolloutSamples }) samples: RolloutSamples;
  @ApiProperty({ type: RolloutGatesResponse }) gates: RolloutGatesResponse;
  @ApiProperty({ enum: ['promote', 'hold'] }) end: string;
  @ApiProperty() alpha: number;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'the figures of the last evaluation: {evaluated_at, step, window, variant, champion, candidate, outcome, decision, detail}',
  })
  evidence: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, description: 'why the plan is paused, aborted, held or completed' }) reason: string | null;
  @ApiProperty({ description: "the plan's revision, also its ETag: send it back as If-Match" }) revision: number;
  @ApiProperty() updated_at: string;
  @ApiProperty() updated_by: string;
}
