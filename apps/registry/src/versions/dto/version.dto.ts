import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TensorSpecResponse {
  @ApiProperty() name: string;
  @ApiProperty({ example: 'FP32', description: 'Open Inference Protocol datatype' }) datatype: string;
  @ApiProperty({ type: [Number], example: [-1, 4], description: '-1 for a dynamic dimension, [] for a scalar' }) shape: number[];
}

export class SignatureResponse {
  @ApiProperty({ type: [TensorSpecResponse] }) inputs: TensorSpecResponse[];
  @ApiProperty({ type: [TensorSpecResponse] }) outputs: TensorSpecResponse[];
}

export class VersionResponse {
  @ApiProperty() model: string;
  @ApiProperty() version: number;
  @ApiProperty({ enum: ['pending', 'ready', 'failed'] }) status: string;
  @ApiProperty({ type: String, nullable: true }) status_reason: string | null;
  @ApiProperty({ description: 'lowercase hex sha256 of the artifact' }) sha256: string;
  @ApiProperty() size_bytes: number;
  @ApiPropertyOptional({ type: SignatureResponse, nullable: true }) signature: SignatureResponse | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty() artifact_url: string;
  @ApiProperty() created_at: string;
  @ApiProperty() created_by: string;
}

export class VersionPage {
  @ApiProperty({ type: [VersionResponse] }) items: VersionResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
