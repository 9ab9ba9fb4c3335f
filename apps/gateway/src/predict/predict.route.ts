import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PredictService } from './predict.service';
import type { PredictAnswer } from './predict-json.codec';

export const PREDICT_ROUTE = '/v1/models/:name/predict';

/**
 * A header's value as one string: Node joins most repeated headers, but not every one. Routes read
 * `request.headers` once (each read is two getters, Fastify's and Node's) and name each header
 * literally, so every read is a property load of its own rather than one keyed lookup shared by all
 * names, which V8 leaves megamorphic (about 900 instructions per header).
 */
export function single(value: string | string[] | undefined): string | undefined {
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
      const headers = request.headers;
      const { answer } = await predictions.predict({
        model: request.params.name,
        body: request.body,
        json: request.jsonBytes ?? undefined,
        requestId: request.id,
        routingKey: single(headers['x-routing-key']),
        variantPin: single(headers['x-switchyard-variant']),
        versionPin: single(headers['x-switchyard-version']),
      });
      // Lower-case names: Fastify lower-cases every name it is given, a new string to hash otherwise.
      reply.header('x-switchyard-model', answer.model);
      reply.header('x-switchyard-version', String(answer.version));
      reply.header('x-switchyard-variant', answer.variant);
      return answer;
    },
  });
}
