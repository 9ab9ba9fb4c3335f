import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PredictService } from './predict.service';

export class PredictResponse {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'output name → nested array (or scalar)' })
  outputs: Record<string, unknown>;
  @ApiProperty() model: string;
  @ApiProperty() version: number;
  @ApiProperty({ enum: ['champion', 'challenger', 'pinned'] }) variant: string;
  @ApiProperty() request_id: string;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

@ApiTags('predict')
@Controller('v1/models/:name/predict')
export class PredictController {
  constructor(private readonly predictions: PredictService) {}

  @Post()
  @HttpCode(200)
  @ApiHeader({ name: 'X-Routing-Key', required: false, description: 'sticky assignment: the same key gets the same variant while the weights stand' })
  @ApiHeader({ name: 'X-Switchyard-Variant', required: false, description: 'champion or challenger: pin a variant, for testing' })
  @ApiHeader({
    name: 'X-Switchyard-Version',
    required: false,
    description: '*added* — a version number: any ready version of the model answers (logged as variant "pinned"), as OIP /versions/{v}/infer; 400 if not a positive integer, 404 unknown, 409 not ready',
  })
  @ApiHeader({ name: 'X-Request-Id', required: false, description: 'echoed; generated when absent' })
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'object', required: ['inputs'], properties: { inputs: { type: 'object', additionalProperties: true } } },
        { type: 'object', required: ['instances'], properties: { instances: { type: 'array', items: {} } } },
      ],
    },
  })
  @ApiOkResponse({ type: PredictResponse })
  async predict(
    @Param('name') name: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PredictResponse> {
    const answer = await this.predictions.predict({
      model: name,
      body,
      requestId: String(request.id),
      routingKey: header(request, 'x-routing-key'),
      variantPin: header(request, 'x-switchyard-variant'),
      versionPin: header(request, 'x-switchyard-version'),
    });
    void reply.headers({
      'X-Switchyard-Model': answer.model,
      'X-Switchyard-Version': String(answer.version),
      'X-Switchyard-Variant': answer.variant,
    });
    return answer;
  }
}
