import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { InputExample } from '@switchyard/domain';
import { ApprovalResponse } from '../../approvals/dto/approval.dto';
import { IsOptional, IsString, MaxLength, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';

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
  @ApiProperty({ type: Number, nullable: true, description: 'time of the smoke inference; null when no input ran (see warnings)' })
  inference_ms: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'x [1, 16] (zeros)',
    description: 'what the smoke inference ran: "input_example", or the synthetic input (each dynamic dimension at 1, 16 or 512) that ran first; null when none did',
  })
  smoke_input: string | null;
  @ApiPropertyOptional({
    type: [String],
    description:
      'what the uploader should know, empty when nothing: what validation could not check (the model loaded and its signature is recorded, but no synthetic input ran; upload with metadata.input_example to have it checked), and outputs the version does not serve (a sequence or map that is not a ZipMap) with how to export without them',
  })
  warnings?: string[];
  @ApiProperty() validated_at: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'how the served graph differs from the artifact, which is kept as uploaded (a ZipMap served as the probability tensor that feeds it)',
  })
  graph_changes?: string[];
}

export class VersionMetadataResponse {
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) tags?: Record<string, string>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' } }) metrics?: Record<string, number>;
  @ApiPropertyOptional() source?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { inputs: { x: [[0.1, 0.2, 0.3, 0.4]] } },
    description:
      'an example request in the form of a /v1 predict body ({"inputs": {...}} or {"instances": [...]}): validation runs it as the smoke input (a version whose example does not fit or fails is failed), and each gateway runs it to warm the version before it takes traffic',
  })
  input_example?: InputExample;
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
  @ApiProperty({ type: VersionMetadataResponse }) metadata: VersionMetadataResponse;
  @ApiPropertyOptional({ type: ValidationResponse, nullable: true }) validation: ValidationResponse | null;
  @ApiProperty({ type: ApprovalResponse, nullable: true, description: '*added*: the review decision; null until someone decides' })
  approval: ApprovalResponse | null;
  @ApiProperty() artifact_url: string;
  @ApiProperty() created_at: string;
  @ApiProperty() created_by: string;
}

export class VersionPage {
  @ApiProperty({ type: [VersionResponse] }) items: VersionResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

@ValidatorConstraint({ name: 'tagPatch' })
class IsTagPatch implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return entries.length <= 50 && entries.every(([k, v]) => k.length >= 1 && k.length <= 128 && (v === null || (typeof v === 'string' && v.length <= 1024)));
  }

  defaultMessage(): string {
    return 'tags must be an object of at most 50 entries, each a string (keys 1–128 characters, values up to 1024) or null to remove the tag';
  }
}

@ValidatorConstraint({ name: 'metricMap' })
class IsMetricMap implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return entries.length <= 100 && entries.every(([k, v]) => /^[A-Za-z0-9_.-]{1,64}$/.test(k) && typeof v === 'number' && Number.isFinite(v));
  }

  defaultMessage(): string {
    return 'metrics must be an object of at most 100 finite numbers, named with letters, digits, "_", "." or "-" (1–64 characters)';
  }
}

/** *added*: what may change about a version after upload. The artifact, its signature and `source` never do. */
export class UpdateVersionDto {
  @ApiPropertyOptional({ example: 'retrained on March data' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    example: { team: 'risk', candidate: null },
    description: 'merged into the version\'s tags (JSON merge patch): a string sets the tag, null removes it, tags not named are kept',
  })
  @IsOptional()
  @Validate(IsTagPatch)
  tags?: Record<string, string | null>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { rmse: 0.27 },
    description: 'added to the version\'s metrics; a metric it already has with another value is refused (409): metrics are added, never rewritten',
  })
  @IsOptional()
  @Validate(IsMetricMap)
  metrics?: Record<string, number>;
}
