import { ApiProperty } from '@nestjs/swagger';

export class DeploymentStateResponse {
  @ApiProperty({ type: Number, nullable: true }) champion: number | null;
  @ApiProperty({ type: Number, nullable: true }) challenger: number | null;
  @ApiProperty() challenger_percent: number;
  @ApiProperty() revision: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } }) aliases: Record<string, number>;
}

export class AuditEntryResponse {
  @ApiProperty() id: number;
  @ApiProperty({
    enum: ['alias.set', 'alias.delete', 'traffic.set', 'promote', 'rollback', 'batching.set', 'task.set', 'guardrail.set', 'guardrail.trip', 'model.update', 'version.update', 'version.approve', 'version.reject'],
  })
  action: string;
  @ApiProperty({ enum: ['deployment', 'model', 'version'], description: '*added*: deployment entries hold deployment states; model and version entries hold the edited fields before and after' })
  scope: string;
  @ApiProperty({ type: Number, nullable: true, description: '*added*: the version a version entry is about' }) version: number | null;
  @ApiProperty() actor: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty() at: string;
  @ApiProperty({ type: DeploymentStateResponse, description: 'a deployment state, or for model and version entries the edited fields' }) before: DeploymentStateResponse | Record<string, unknown>;
  @ApiProperty({ type: DeploymentStateResponse }) after: DeploymentStateResponse | Record<string, unknown>;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryResponse] }) items: AuditEntryResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
