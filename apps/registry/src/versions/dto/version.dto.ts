import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TensorSpecResponse {
  @ApiProperty() name: string;
  @ApiProperty({ example: 'FP32', description: 'Open Inference Protocol datatype' }) datatype: string;
  @ApiProperty({ type: [Number], example: [-1, 4], description: '-1 for a dynamic dimension, [] for a scalar' }) shape: number[];
  @ApiPropertyOptional({
    type: 'array',
    items: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
    example: [0, 1, 2],
    description:
      "Only on a classifier's probability output whose artifact ends in a ZipMap (skl2onnx's default export): that sequence of maps is served as the FP32 [N, classes] tensor that fed it, and column i is the probability of class_labels[i] (the ZipMap's classlabels_int64s or classlabels_strings — scikit-learn's classes_ order, as predict_proba returns)",
  })
  class_labels?: Array<number | string>;
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
  @ApiPropertyOptional({
    type: [String],
    description: 'how the served graph differs from the artifact, which is kept as uploaded (a ZipMap served as the probability tensor that feeds it)',
  })
  graph_changes?: string[];
  @ApiPropertyOptional({
    type: [String],
    description: 'what the version serves short of what its artifact declares (an output onnxruntime-node cannot return: a sequence or map that is not a ZipMap), and how to export without it',
  })
  warnings?: string[];
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
  @ApiPropertyOptional({ type: ValidationResponse, nullable: true }) validation: ValidationResponse | null;
  @ApiProperty() artifact_url: string;
  @ApiProperty() created_at: string;
  @ApiProperty() created_by: string;
}

export class VersionPage {
  @ApiProperty({ type: [VersionResponse] }) items: VersionResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
