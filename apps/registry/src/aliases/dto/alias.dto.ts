import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class SetAliasDto {
  @ApiProperty({ example: 3, description: 'a version of this model' })
  @IsInt({ message: 'version must be a positive integer' })
  @Min(1, { message: 'version must be a positive integer' })
  @Max(2_147_483_647, { message: 'version must be a positive integer' })
  version: number;

  @ApiPropertyOptional({ description: 'set a challenger whose inputs differ from the champion\'s anyway' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional({ description: 'why, for the audit log (as promote and rollback take it)', maxLength: 1000 })
  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @MaxLength(1000, { message: 'reason must be at most 1000 characters' })
  reason?: string;
}
