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

export class ValidationResponse {
  @ApiProperty({ example: 'onnxruntime-node 1.30.0' }) runtime: string;
  @ApiProperty({ description: 'time to create the inference session' }) load_ms: number;
  @ApiProperty({ description: 'time of one smoke inference on zeros (dynamic dimensions = 1)' }) inference_ms: number;
  @ApiProperty() validated_at: string;
}

export class VersionResponse {
  @ApiProperty() model: string;
  @ApiProperty({
    description:
      'increasing per model and never reused, but not always contiguous: an upload that fails after its artifact began to be stored uses up its number',
  })
  version: number;
  @ApiProperty({ enum: ['pending', 'ready', 'failed'] }) status: string;
  @ApiProperty({ type: String, nullable: true }) status_reason: string | null;
  @ApiProperty({ description: 'lowercase hex sha256 of the artifact' }) sha256: string;
  @ApiProperty() size_bytes: number;
  @ApiPropertyOptional({ type: SignatureResponse, nullable: true }) signature: SignatureResponse | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiPropertyOptional({ type: ValidationResponse, nullable: true }) validation: ValidationResponse | null;
  @ApiProperty() artifact_url: string;
  @ApiProperty() created_at: string;
  @ApiProperty() created_by: string;
}

export class VersionPage {
  @ApiProperty({ type: [VersionResponse] }) items: VersionResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
