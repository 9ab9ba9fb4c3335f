import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';

@ValidatorConstraint({ name: 'rejectionReason' })
class IsRejectionReason implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && value.trim().length > 0 && value.length <= 1000;
  }

  defaultMessage(): string {
    return 'reason is required: say in at most 1000 characters why the version is rejected';
  }
}

export class ApproveVersionDto {
  @ApiPropertyOptional({ example: 'offline metrics reviewed; fairness report attached to the ticket', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class RejectVersionDto {
  @ApiProperty({ example: 'recall on the minority class dropped 4 points', maxLength: 1000, description: 'required: why the version may not go to production' })
  @Validate(IsRejectionReason)
  reason: string;
}

export class ApprovalResponse {
  @ApiProperty({ enum: ['approved', 'rejected'] }) status: string;
  @ApiProperty({ description: 'the key (or actor) that decided' }) by: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty() at: string;
}
