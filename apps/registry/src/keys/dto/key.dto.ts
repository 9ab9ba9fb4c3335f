import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsNumber, IsOptional, IsPositive, IsString, Matches, Max, Min } from 'class-validator';
import { ROLES, type Role } from '@switchyard/auth';
import { MODEL_NAME_PATTERN } from '../../models/dto/model.dto';

export const KEY_NAME_PATTERN = /^[\w .@:/+-]{1,64}$/;

/** Far above what one gateway serves; a bound so a typo cannot overflow a bucket. */
export const MAX_RATE_LIMIT = 1_000_000;

const RATE_DESCRIPTION =
  'requests per second this key may make through all the gateways together, each replica enforcing its share (token bucket; fractions allowed, e.g. 0.5); null or absent: no limit';
const BURST_DESCRIPTION = 'requests the key may make at once before the rate applies (the bucket size); defaults to one second of the rate, at least 1';

/** The per-key limit fields POST and PATCH share. */
class KeyLimitFields {
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, exclusiveMinimum: true, maximum: MAX_RATE_LIMIT, example: 200, description: RATE_DESCRIPTION })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'rate_limit_per_second must be a number (requests per second) or null for no limit' })
  @IsPositive({ message: 'rate_limit_per_second must be greater than 0 (null removes the limit)' })
  @Max(MAX_RATE_LIMIT, { message: `rate_limit_per_second must be at most ${MAX_RATE_LIMIT}` })
  rate_limit_per_second?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: MAX_RATE_LIMIT, example: 400, description: BURST_DESCRIPTION })
  @IsOptional()
  @IsInt({ message: 'burst must be an integer number of requests' })
  @Min(1, { message: 'burst must be at least 1' })
  @Max(MAX_RATE_LIMIT, { message: `burst must be at most ${MAX_RATE_LIMIT}` })
  burst?: number | null;
}

export class CreateKeyDto extends KeyLimitFields {
  @ApiProperty({ example: 'fraud-service', description: 'who holds the key; shown as the actor of its changes' })
  @IsString()
  @Matches(KEY_NAME_PATTERN, { message: 'name must be 1–64 letters, digits, spaces or . @ : / + - _' })
  name: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['predict'], description: 'viewer ⊂ publisher ⊂ operator ⊂ admin; approver (added) is viewer plus approving versions, included in operator; predict stands apart' })
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

/** What an admin may change about a key: its limit (roles and models are fixed; issue a new key instead). */
export class UpdateKeyDto extends KeyLimitFields {}

export class KeyResponse {
  @ApiProperty({ example: 'k3x7q2m9a4b5' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles: Role[];
  @ApiProperty({ type: [String], nullable: true }) models: string[] | null;
  @ApiProperty({ type: Number, nullable: true, description: RATE_DESCRIPTION }) rate_limit_per_second: number | null;
  @ApiProperty({ type: Number, nullable: true, description: BURST_DESCRIPTION }) burst: number | null;
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

export class KeyStateItem {
  @ApiProperty() id: string;
  @ApiProperty() revoked: boolean;
  @ApiProperty({ type: Number, nullable: true }) rate_limit_per_second: number | null;
  @ApiProperty({ type: Number, nullable: true }) burst: number | null;
}

export class KeyStateList {
  @ApiProperty({ type: [KeyStateItem] }) items: KeyStateItem[];
}

/** What the caller's own key may do, so a client (the console) can enable what it allows. */
export class CallerKeyResponse {
  @ApiProperty({ description: 'false when the registry runs with AUTH_ENABLED=false: everything is allowed and there is no key' })
  auth_enabled: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'k3x7q2m9a4b5' }) id: string | null;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ enum: ROLES, isArray: true, description: 'the roles the key was given' }) roles: Role[];

  @ApiProperty({ enum: ROLES, isArray: true, description: 'every role those amount to (operator includes publisher and viewer); every role with auth off' })
  effective_roles: Role[];

  @ApiProperty({ type: [String], nullable: true, description: 'the models the key is limited to; null: every model' })
  models: string[] | null;
}
