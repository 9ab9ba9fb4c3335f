import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { single } from '../predict/predict.route';
import { chooseInferBodyParser } from './binary-infer-bodies';
import { OipService } from './oip.service';

export const OIP_INFER_ROUTES = ['/v2/models/:name/infer', '/v2/models/:name/versions/:version/infer'];

interface InferRoute {
  Params: { name: string; version?: string };
}

/**
 * The Open Inference Protocol's infer routes (`/v2/models/{name}[/versions/{version}]/infer`) on
 * Fastify directly, as /v1 predict (see predict.route.ts). The answer goes out as the service made it
 * (an object, or bytes for a binary answer), with the headers it needs after the routing ones.
 */
export function registerOipInferRoutes(fastify: FastifyInstance, oip: OipService, errorHandler: FastifyInstance['errorHandler']): void {
  const handler = async (request: FastifyRequest<InferRoute>, reply: FastifyReply): Promise<unknown> => {
    const requestHeaders = request.headers;
    const { outcome, response, headers } = await oip.infer({
      model: request.params.name,
      version: request.params.version,
      body: request.body,
      json: request.jsonBytes ?? undefined,
      routingKey: single(requestHeaders['x-routing-key']),
      variantPin: single(requestHeaders['x-switchyard-variant']),
      requestId: request.id,
    });
    reply.header('x-switchyard-model', request.params.name);
    reply.header('x-switchyard-version', String(outcome.version.version));
    reply.header('x-switchyard-variant', outcome.variant);
    for (const name in headers) reply.header(name, headers[name]);
    return response;
  };
  for (const url of OIP_INFER_ROUTES) fastify.route<InferRoute>({ method: 'POST', url, errorHandler, preParsing: chooseInferBodyParser, handler });
}
