import type { OpenAPIObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import { REQUEST_ID_HEADER, ROUTING_HEADERS } from '../predict/predict.openapi';

const REQUEST: SchemaObject = {
  type: 'object',
  properties: {
    signature_name: { type: 'string', enum: ['serving_default'], description: "TensorFlow Serving's; an ONNX model has this one signature" },
    instances: { type: 'array', items: {}, description: "row format: rows of the model's only input, or one object of input name → value per instance" },
    inputs: { description: "columnar format: an object of input name → value, or for a model with one input its value", oneOf: [{ type: 'object', additionalProperties: true }, { type: 'array', items: {} }] },
    dataframe_split: { type: 'object', description: "MLflow's: {columns, data, index?}, answered as predictions by row", properties: { columns: { type: 'array', items: { type: 'string' } }, data: { type: 'array', items: { type: 'array', items: {} } } } },
    dataframe_records: { type: 'array', items: { type: 'object', additionalProperties: true }, description: "MLflow's: one object of column name → value per row, answered as predictions by row" },
  },
};

const ANSWER: SchemaObject = {
  oneOf: [
    {
      type: 'object',
      required: ['predictions'],
      properties: { predictions: { type: 'array', items: {}, description: "to instances: one entry per instance, the output's row, or an object of output name → row for several outputs" } },
    },
    {
      type: 'object',
      required: ['outputs'],
      properties: { outputs: { description: "to inputs: a one-output model's value, or an object of output name → value" } },
    },
  ],
};

const ERROR: SchemaObject = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } };

function predictOperation(operationId: string, parameters: ParameterObject[]) {
  return {
    post: {
      operationId,
      tags: ['KServe v1 protocol'],
      summary: "prediction in KServe's v1 protocol and TensorFlow Serving's REST API; errors are {\"error\": \"...\"}",
      parameters: [...parameters, ...ROUTING_HEADERS, REQUEST_ID_HEADER],
      requestBody: { required: true, content: { 'application/json': { schema: REQUEST } } },
      responses: {
        '200': { description: 'the predictions; the version and variant that served are in X-Switchyard-Version and X-Switchyard-Variant', content: { 'application/json': { schema: ANSWER } } },
        '400': { description: 'the body does not fit the model, or its outputs have no row per instance', content: { 'application/json': { schema: ERROR } } },
      },
    },
  };
}

const NAME: ParameterObject = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const VERSION: ParameterObject = { name: 'version', in: 'path', required: true, schema: { type: 'string' }, description: 'a version number: any ready version of the model answers (variant "pinned")' };

/** The OpenAPI description of the `:predict` routes (kserve-v1.route.ts registers them on Fastify, out of Nest's sight). */
export const V1_PROTOCOL_OPENAPI: OpenAPIObject['paths'] = {
  '/v1/models/{name}:predict': predictOperation('v1ProtocolPredict', [NAME]),
  '/v1/models/{name}/versions/{version}:predict': predictOperation('v1ProtocolPredictVersion', [NAME, VERSION]),
};
