import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class SetTrafficDto {
  @ApiProperty({ example: 12.5, minimum: 0, maximum: 100, description: 'challenger share in percent, at most two decimals' })
  @IsNumber(
    { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 },
    { message: 'challenger_percent must be a number between 0 and 100 with at most two decimals' },
  )
  @Min(0, { message: 'challenger_percent must be between 0 and 100' })
  @Max(100, { message: 'challenger_percent must be between 0 and 100' })
  challenger_percent: number;
}

export class ChangeReasonDto {
  @ApiPropertyOptional({ description: 'why, for the audit log' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}
