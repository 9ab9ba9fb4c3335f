import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ROLES, type Role } from '../../../../../libs/auth/src';
import { MODEL_NAME_PATTERN } from '../../models/dto/model.dto';

export const KEY_NAME_PATTERN = /^[\w .@:/+-]{1,64}$/;

export class CreateKeyDto {
  @ApiProperty({ example: 'fraud-service', description: 'who holds the key; shown as the actor of its changes' })
  @IsString()
  @Matches(KEY_NAME_PATTERN, { message: 'name must be 1–64 letters, digits, spaces or . @ : / + - _' })
  name: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['predict'], description: 'viewer ⊂ publisher ⊂ operator ⊂ admin; predict stands apart' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(ROLES, { each: true, message: `each role must be one of ${ROLES.join(', ')}` })
  roles: Role[];

  @ApiPropertyOptional({ type: [String], example: ['fraud-scorer'], description: 'limit the key to these models (absent: every model)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(MODEL_NAME_PATTERN, { each: true, message: `each model must match ${MODEL_NAME_PATTERN.source}` })
  models?: string[];
}

export class KeyResponse {
  @ApiProperty({ example: 'k3x7q2m9a4b5' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles: Role[];
  @ApiProperty({ type: [String], nullable: true }) models: string[] | null;
  @ApiProperty() created_at: string;
  @ApiProperty() created_by: string;
  @ApiProperty({ nullable: true }) revoked_at: string | null;
  @ApiProperty({ nullable: true }) revoked_by: string | null;
}

export class CreatedKeyResponse extends KeyResponse {
  @ApiProperty({ description: 'the key, shown this once: only a hash is stored', example: 'sy_k3x7q2m9a4b5_…' })
  key: string;
}

export class KeyList {
  @ApiProperty({ type: [KeyResponse] }) items: KeyResponse[];
}
