import type { OpenAPIObject, ParameterObject, SchemaObject } from '@nestjs/swagger';

type PathItems = OpenAPIObject['paths'];

/** Routing headers every inference route takes (docs/api.md). */
export const ROUTING_HEADERS: ParameterObject[] = [
  { name: 'X-Routing-Key', in: 'header', required: false, description: 'sticky assignment: the same key gets the same variant while the weights stand', schema: { type: 'string' } },
  { name: 'X-Switchyard-Variant', in: 'header', required: false, description: 'champion or challenger: pin a variant, for testing', schema: { type: 'string' } },
];

export const REQUEST_ID_HEADER: ParameterObject = { name: 'X-Request-Id', in: 'header', required: false, description: 'echoed; generated when absent', schema: { type: 'string' } };

const PREDICT_RESPONSE: SchemaObject = {
  type: 'object',
  required: ['outputs', 'model', 'version', 'variant', 'request_id'],
  properties: {
    outputs: { type: 'object', additionalProperties: true, description: 'output name → nested array (or scalar)' },
    model: { type: 'string' },
    version: { type: 'number' },
    variant: { type: 'string', enum: ['champion', 'challenger', 'pinned'] },
    request_id: { type: 'string' },
  },
};

/** The OpenAPI description of `POST /v1/models/{name}/predict` (predict.route.ts registers it on Fastify, out of Nest's sight). */
export const PREDICT_OPENAPI: PathItems = {
  '/v1/models/{name}/predict': {
    post: {
      operationId: 'predict',
      tags: ['predict'],
      parameters: [
        { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
        ...ROUTING_HEADERS,
        {
          name: 'X-Switchyard-Version',
          in: 'header',
          required: false,
          description: '*added* — a version number: any ready version of the model answers (logged as variant "pinned"), as OIP /versions/{v}/infer; 400 if not a positive integer, 404 unknown, 409 not ready',
          schema: { type: 'string' },
        },
        REQUEST_ID_HEADER,
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              oneOf: [
                { type: 'object', required: ['inputs'], properties: { inputs: { type: 'object', additionalProperties: true } } },
                {
                  type: 'object',
                  required: ['dataframe_split'],
                  description: "MLflow's: each column to the input of its name, or each row to a model's one input",
                  properties: { dataframe_split: { type: 'object', properties: { columns: { type: 'array', items: { type: 'string' } }, data: { type: 'array', items: { type: 'array', items: {} } } } } },
                },
                { type: 'object', required: ['dataframe_records'], description: "MLflow's: one object of column name → value per row", properties: { dataframe_records: { type: 'array', items: { type: 'object', additionalProperties: true } } } },
                {
                  type: 'object',
                  required: ['instances'],
                  properties: {
                    instances: {
                      type: 'array',
                      description: "rows of the model's only input, or one object of input name → value per instance (each input stacked over the instances)",
                      items: {},
                    },
                  },
                },
              ],
            },
          },
        },
      },
      responses: { '200': { description: 'the outputs, and the version and variant that served them', content: { 'application/json': { schema: PREDICT_RESPONSE } } } },
    },
  },
};
