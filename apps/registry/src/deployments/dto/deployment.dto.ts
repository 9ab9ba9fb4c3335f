import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { SignatureResponse } from '../../versions/dto/version.dto';
import type { InputExample } from '@switchyard/domain';

export class BatchingDto {
  @ApiProperty({ minimum: 1, maximum: 4096, example: 32, description: 'most rows one inference takes' })
  @IsInt({ message: 'max_batch_size must be an integer from 1 to 4096' })
  @Min(1, { message: 'max_batch_size must be an integer from 1 to 4096' })
  @Max(4096, { message: 'max_batch_size must be an integer from 1 to 4096' })
  max_batch_size: number;

  @ApiProperty({ minimum: 0, maximum: 1000, example: 2, description: 'longest a request waits for others to join its batch; 0 waits for nothing: only requests that arrived together are joined' })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'max_delay_ms must be a number from 0 to 1000' })
  @Min(0, { message: 'max_delay_ms must be a number from 0 to 1000' })
  @Max(1000, { message: 'max_delay_ms must be a number from 0 to 1000' })
  max_delay_ms: number;
}

export class DeploymentVersionRef {
  @ApiProperty() version: number;
  @ApiProperty() sha256: string;
  @ApiProperty({ enum: ['pending', 'ready', 'failed'] }) status: string;
}

export class RolloutReport {
  @ApiProperty() replica: string;
  @ApiProperty({ description: 'the revision the replica serves' }) serving_revision: number;
  @ApiProperty({ description: 'the newest revision it has seen' }) target_revision: number;
  @ApiProperty({ enum: ['loading', 'serving', 'failed'] }) state: 'loading' | 'serving' | 'failed';
  @ApiProperty({ type: String, nullable: true, description: 'why the newest revision failed to load' }) reason: string | null;
  @ApiProperty({ type: Number, nullable: true }) champion: number | null;
  @ApiProperty({ type: Number, nullable: true }) challenger: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: '*added* — the shadow the replica loaded; null when the deployment\'s shadow could not be loaded (the replica serves without it)' })
  shadow?: number | null;
  @ApiProperty() reported_at: string;
}

export class DeploymentResponse {
  @ApiProperty() model: string;
  @ApiProperty({ type: DeploymentVersionRef, nullable: true }) champion: DeploymentVersionRef | null;
  @ApiProperty({ type: DeploymentVersionRef, nullable: true }) challenger: DeploymentVersionRef | null;
  @ApiProperty({ description: 'share of traffic for the challenger, 0–100 (two decimals)' }) challenger_percent: number;
  @ApiProperty({ type: DeploymentVersionRef, nullable: true, description: "*added* — the version that receives copies of the champion's requests (answers logged, never returned)" })
  shadow: DeploymentVersionRef | null;
  @ApiProperty({ description: "*added* — share of the champion's requests copied to the shadow, 0–100 (two decimals)" }) shadow_percent: number;
  @ApiProperty({ type: DeploymentVersionRef, nullable: true, description: 'where rollback returns to' })
  previous_champion: DeploymentVersionRef | null;
  @ApiProperty({ description: 'increases on every change; send it back as If-Match' }) revision: number;
  @ApiProperty({ type: String, nullable: true }) updated_at: string | null;
  @ApiProperty({ type: String, nullable: true }) updated_by: string | null;
  @ApiProperty({ type: [RolloutReport], description: 'what each gateway replica reported serving (reports older than 5 minutes are dropped)' })
  rollout: RolloutReport[];
}

export class DeploymentAtQuery {
  @ApiPropertyOptional({ description: 'RFC 3339 time: answer with the deployment in force then (from the audit log)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'at must be an RFC 3339 time, e.g. 2026-11-24T10:00:00Z' })
  at?: string;
}

export class DeploymentAtResponse {
  @ApiProperty() model: string;
  @ApiProperty() at: string;
  @ApiProperty({ type: Number, nullable: true }) champion: number | null;
  @ApiProperty({ type: Number, nullable: true }) challenger: number | null;
  @ApiProperty() challenger_percent: number;
  @ApiPropertyOptional({ type: Number, nullable: true, description: '*added*; absent from changes made before shadows existed' }) shadow?: number | null;
  @ApiPropertyOptional({ description: '*added*; absent from changes made before shadows existed' }) shadow_percent?: number;
  @ApiProperty() revision: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } }) aliases: Record<string, number>;
  @ApiPropertyOptional({ type: BatchingDto, nullable: true }) batching?: BatchingDto | null;
}

export class LoadableVersion {
  @ApiProperty() version: number;
  @ApiProperty() sha256: string;
  @ApiProperty() size_bytes: number;
  @ApiProperty({ description: 'registry path that serves the bytes' }) artifact_url: string;
  @ApiProperty({ description: 'where the bytes live in the artifact store (file:// or s3://)' }) artifact_uri: string;
  @ApiProperty({ type: SignatureResponse, nullable: true }) signature: SignatureResponse | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "the version's metadata.input_example: what a gateway runs to warm the version before it takes traffic",
  })
  input_example: InputExample | null;
}

export class GatewayDeployment {
  @ApiProperty() model: string;
  @ApiProperty() revision: number;
  @ApiProperty({ description: 'salt of the routing hash' }) salt: string;
  @ApiProperty() challenger_percent: number;
  @ApiProperty({ type: LoadableVersion }) champion: LoadableVersion;
  @ApiProperty({ type: LoadableVersion, nullable: true }) challenger: LoadableVersion | null;
  @ApiProperty({ type: LoadableVersion, nullable: true, description: "*added* — loaded and warmed like the challenger; receives copies of shadow_percent of the champion's requests" })
  shadow: LoadableVersion | null;
  @ApiProperty({ description: '*added*' }) shadow_percent: number;
  @ApiProperty({ type: BatchingDto, nullable: true }) batching: BatchingDto | null;
  @ApiProperty({ enum: ['regression', 'classification'], description: 'as set on the model, or inferred from the champion\'s outputs' }) task: 'regression' | 'classification';
  @ApiProperty({ type: [String], nullable: true }) labels: string[] | null;
  @ApiProperty() updated_at: string;
}

export class GatewayDeploymentList {
  @ApiProperty({ type: [GatewayDeployment] }) items: GatewayDeployment[];
  @ApiProperty({
    format: 'uuid',
    description: "this registry's instance id, made once per database: a gateway keeps its deployment snapshot only for the registry it came from",
  })
  registry_instance: string;
}
