import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MAX_REQUEST_ID_LENGTH, REQUEST_ID_PATTERN, REQUEST_ID_RULE } from '@switchyard/http';

export class FeedbackDto {
  @ApiProperty({ description: `the request_id of the prediction (its X-Request-Id): ${REQUEST_ID_RULE}`, example: '7c0d…', maxLength: MAX_REQUEST_ID_LENGTH })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_REQUEST_ID_LENGTH)
  @Matches(REQUEST_ID_PATTERN, { message: `request_id must be ${REQUEST_ID_RULE}` })
  request_id: string;

  @ApiProperty({
    required: false,
    description: 'the model the prediction was made on; needed only when the request id was used on more than one model this key may use',
    example: 'fraud-scorer',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(63)
  model?: string;

  @ApiProperty({
    required: false,
    oneOf: [{ type: 'number' }, { type: 'string' }],
    description: 'a business outcome (converted, revenue…), compared between variants by its mean: a number for a regression model, a label (or class index) for a classifier. Give value or label, not both',
  })
  @IsOptional()
  value?: number | string;

  @ApiProperty({
    required: false,
    oneOf: [{ type: 'number' }, { type: 'string' }],
    description:
      'added: the ground truth for this prediction, from which model quality is measured (MAE and RMSE; accuracy, log loss, AUC): a number for a regression model, a class name from the model\'s labels or its class index for a classifier. Give value or label, not both',
  })
  @IsOptional()
  label?: number | string;
}

export class FeedbackAccepted {
  @ApiProperty() request_id: string;
  @ApiProperty() model: string;
  @ApiProperty({ required: false, description: 'the value as recorded (a classifier\'s class index is turned into its label)', oneOf: [{ type: 'number' }, { type: 'string' }] })
  value?: number | string;
  @ApiProperty({ required: false, description: 'added: the label as recorded (a classifier\'s class index is turned into its class name)', oneOf: [{ type: 'number' }, { type: 'string' }] })
  label?: number | string;
  @ApiProperty() accepted_at: string;
}
