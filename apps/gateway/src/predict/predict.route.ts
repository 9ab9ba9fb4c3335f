import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PredictService } from './predict.service';
import type { PredictAnswer } from './predict-json.codec';

export const PREDICT_ROUTE = '/v1/models/:name/predict';

/** A header as one string: Node joins most repeated headers, but not every one. */
export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

interface PredictRoute {
  Params: { name: string };
}

/**
 * `POST /v1/models/{name}/predict` on Fastify directly: a prediction passes through no Nest pipeline
 * (guards, pipes, parameter decorators, interceptors), only the hooks every route has (request id,
 * access guard, metrics). Errors are answered by `errorHandler` in the same shapes as Nest's filter.
 */
export function registerPredictRoute(fastify: FastifyInstance, predictions: PredictService, errorHandler: FastifyInstance['errorHandler']): void {
  fastify.route<PredictRoute>({
    method: 'POST',
    url: PREDICT_ROUTE,
    errorHandler,
    handler: async (request: FastifyRequest<PredictRoute>, reply: FastifyReply): Promise<PredictAnswer> => {
      const { answer } = await predictions.predict({
        model: request.params.name,
        body: request.body,
        json: request.jsonBytes ?? undefined,
        requestId: request.id,
        routingKey: header(request, 'x-routing-key'),
        variantPin: header(request, 'x-switchyard-variant'),
        versionPin: header(request, 'x-switchyard-version'),
      });
      reply.header('X-Switchyard-Model', answer.model);
      reply.header('X-Switchyard-Version', String(answer.version));
      reply.header('X-Switchyard-Variant', answer.variant);
      return answer;
    },
  });
}
