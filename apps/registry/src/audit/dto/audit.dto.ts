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
  @ApiProperty({ enum: ['alias.set', 'alias.delete', 'traffic.set', 'promote', 'rollback', 'batching.set', 'task.set', 'guardrail.set', 'guardrail.trip'] }) action: string;
  @ApiProperty() actor: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty() at: string;
  @ApiProperty({ type: DeploymentStateResponse }) before: DeploymentStateResponse;
  @ApiProperty({ type: DeploymentStateResponse }) after: DeploymentStateResponse;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryResponse] }) items: AuditEntryResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
