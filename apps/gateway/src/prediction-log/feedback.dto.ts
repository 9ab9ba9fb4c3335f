import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class FeedbackDto {
  @ApiProperty({ description: 'the request_id of the prediction (its X-Request-Id)', example: '7c0d…' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  @Matches(/^[\x21-\x7e]+$/, { message: 'request_id must be printable ASCII without spaces' })
  request_id: string;

  @ApiProperty({
    oneOf: [{ type: 'number' }, { type: 'string' }],
    description: 'the outcome: a number for a regression model, a label (or class index) for a classifier',
  })
  @IsDefined({ message: 'value is required: a number for a regression model, a label for a classifier' })
  value: number | string;
}

export class FeedbackAccepted {
  @ApiProperty() request_id: string;
  @ApiProperty() model: string;
  @ApiProperty({ description: 'the value as recorded (a classifier\'s class index is turned into its label)', oneOf: [{ type: 'number' }, { type: 'string' }] })
  value: number | string;
  @ApiProperty() accepted_at: string;
}
