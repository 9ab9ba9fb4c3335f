import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@switchyard/errors';
import { readUntypedBodyAsJson } from '../oip/binary-infer-bodies';
import { single } from '../predict/predict.route';
import { KserveV1Service } from './kserve-v1.service';

/**
 * `POST /v1/models/{name}:predict` and TensorFlow Serving's `/v1/models/{name}/versions/{v}:predict`.
 * find-my-way reads `:name::predict` as one parameter, named `name::predict`, that takes the whole
 * segment (`iris:predict`); the route's own onRequest hook splits it (splitVerb). A regular expression
 * parameter would stop at the colon itself, but a regex parameter beside `/v1/models/:name/predict`
 * tripled the lookup of every /v1 prediction (190 → 630 ns, measured on find-my-way 9).
 */
export const V1_PROTOCOL_PREDICT_ROUTES = ['/v1/models/:name::predict', '/v1/models/:name/versions/:version::predict'];

/** The parameters as find-my-way names them, and as splitVerb leaves them for the handler and the access guard. */
interface SegmentParams {
  name?: string;
  version?: string;
  'name::predict'?: string;
  'version::predict'?: string;
}

const VERB = ':predict';

/**
 * Takes `:predict` off the segment that carries it, leaving `name` (and `version`) as every other
 * route has them, before the access guard reads `name` for keys limited to some models. Any other
 * segment (no verb, or KServe's `:explain`) is a route this gateway does not serve.
 */
function splitVerb(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  const params = request.params as SegmentParams;
  const key = params['version::predict'] !== undefined ? 'version' : 'name';
  const segment = params[`${key}::predict`]!;
  if (segment.length <= VERB.length || !segment.endsWith(VERB)) {
    return done(new DomainError('ROUTE_NOT_FOUND', `no route POST ${request.url.split('?')[0]}: KServe's v1 protocol is served as POST /v1/models/{name}:predict`));
  }
  params[key] = segment.slice(0, -VERB.length);
  done();
}

interface PredictRoute {
  Params: { name: string; version?: string };
}

/** The V1 protocol's predict routes on Fastify directly, as /v1 predict and OIP infer (see predict.route.ts). */
export function registerV1ProtocolRoutes(fastify: FastifyInstance, v1: KserveV1Service, errorHandler: FastifyInstance['errorHandler']): void {
  const handler = async (request: FastifyRequest<PredictRoute>, reply: FastifyReply): Promise<unknown> => {
    const headers = request.headers;
    const { outcome, answer } = await v1.predict({
      model: request.params.name,
      version: request.params.version,
      body: request.body,
      json: request.jsonBytes ?? undefined,
      requestId: request.id,
      routingKey: single(headers['x-routing-key']),
      variantPin: single(headers['x-switchyard-variant']),
    });
    reply.header('x-switchyard-model', request.params.name);
    reply.header('x-switchyard-version', String(outcome.version.version));
    reply.header('x-switchyard-variant', outcome.variant);
    return answer;
  };
  for (const url of V1_PROTOCOL_PREDICT_ROUTES) fastify.route<PredictRoute>({ method: 'POST', url, errorHandler, onRequest: splitVerb, preParsing: readUntypedBodyAsJson, handler });
}
