import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';

/** A share may be left out, but not sent as null: null is not a percentage. */
const isSent = (_dto: object, value: unknown) => value !== undefined;

/** Send either share or both; one left out stays as it is. */
export class SetTrafficDto {
  @ApiPropertyOptional({ example: 12.5, minimum: 0, maximum: 100, description: 'challenger share in percent, at most two decimals' })
  @ValidateIf(isSent)
  @IsNumber(
    { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 },
    { message: 'challenger_percent must be a number between 0 and 100 with at most two decimals' },
  )
  @Min(0, { message: 'challenger_percent must be between 0 and 100' })
  @Max(100, { message: 'challenger_percent must be between 0 and 100' })
  challenger_percent?: number;

  @ApiPropertyOptional({
    example: 100,
    minimum: 0,
    maximum: 100,
    description: "*added* — share of the champion's requests copied to the shadow, in percent, at most two decimals",
  })
  @ValidateIf(isSent)
  @IsNumber(
    { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 },
    { message: 'shadow_percent must be a number between 0 and 100 with at most two decimals' },
  )
  @Min(0, { message: 'shadow_percent must be between 0 and 100' })
  @Max(100, { message: 'shadow_percent must be between 0 and 100' })
  shadow_percent?: number;
}

export class ChangeReasonDto {
  @ApiPropertyOptional({ description: 'why, for the audit log' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}
