import type { OpenAPIObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import { REQUEST_ID_HEADER, ROUTING_HEADERS } from '../predict/predict.openapi';

const TENSOR: SchemaObject = {
  type: 'object',
  required: ['name', 'shape', 'datatype', 'data'],
  properties: {
    name: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer' } },
    datatype: { type: 'string', description: 'BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64 or BYTES' },
    parameters: { type: 'object', additionalProperties: true },
    data: { type: 'array', items: {}, description: 'the values, flat in row-major order (or nested as the shape)' },
  },
};

const INFER_REQUEST: SchemaObject = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters: { type: 'object', additionalProperties: true },
    inputs: { type: 'array', items: TENSOR },
    outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters: { type: 'object', additionalProperties: true } } } },
  },
};

const INFER_RESPONSE: SchemaObject = {
  type: 'object',
  required: ['model_name', 'outputs'],
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    parameters: { type: 'object', additionalProperties: true },
    outputs: { type: 'array', items: TENSOR },
  },
};

/** The binary tensor data extension: the JSON header, then the tensors' bytes (docs/api.md). */
const BINARY_BODY = {
  schema: { type: 'string', format: 'binary' } as SchemaObject,
  description:
    'binary tensor data extension: the JSON request (or response) of Inference-Header-Content-Length bytes, then each binary tensor\'s bytes in order (parameters.binary_data_size)',
};

const HEADER_LENGTH: ParameterObject = {
  name: 'Inference-Header-Content-Length',
  in: 'header',
  required: false,
  description: 'binary tensor data extension: the length of the JSON header at the start of the body; the rest is tensor bytes',
  schema: { type: 'integer', minimum: 0 },
};

function inferOperation(operationId: string, parameters: ParameterObject[]) {
  return {
    post: {
      operationId,
      tags: ['open inference protocol (v2)'],
      summary: 'inference (Open Inference Protocol); errors are {"error": "..."}',
      parameters: [...parameters, ...ROUTING_HEADERS, REQUEST_ID_HEADER, HEADER_LENGTH],
      requestBody: { required: true, content: { 'application/json': { schema: INFER_REQUEST }, 'application/octet-stream': BINARY_BODY } },
      responses: {
        '200': {
          description: 'the outputs asked for (all by default); with Inference-Header-Content-Length when any output is binary',
          content: { 'application/json': { schema: INFER_RESPONSE }, 'application/octet-stream': BINARY_BODY },
        },
      },
    },
  };
}

const NAME: ParameterObject = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const VERSION: ParameterObject = { name: 'version', in: 'path', required: true, schema: { type: 'string' } };

/** The OpenAPI description of the OIP infer routes (oip-infer.route.ts registers them on Fastify, out of Nest's sight). */
export const OIP_INFER_OPENAPI: OpenAPIObject['paths'] = {
  '/v2/models/{name}/infer': inferOperation('oipInfer', [NAME]),
  '/v2/models/{name}/versions/{version}/infer': inferOperation('oipInferVersion', [NAME, VERSION]),
};
