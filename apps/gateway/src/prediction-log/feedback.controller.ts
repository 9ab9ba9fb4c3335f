import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiTags } from '@nestjs/swagger';
import { CallerModels } from '@switchyard/http';
import { FeedbackAccepted, FeedbackDto } from './feedback.dto';
import { FeedbackService } from './feedback.service';

@ApiTags('feedback')
@Controller('v1/feedback')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  /**
   * 202: recorded durably (on the Redis stream); joined to its prediction by the worker shortly after.
   * 404 for a prediction this key may not see; 503 when the request-id index cannot be read.
   */
  @Post()
  @HttpCode(202)
  @ApiAcceptedResponse({ type: FeedbackAccepted })
  accept(@Body() dto: FeedbackDto, @CallerModels() callerModels: string[] | null): Promise<FeedbackAccepted> {
    return this.feedback.accept(dto, callerModels);
  }
}
