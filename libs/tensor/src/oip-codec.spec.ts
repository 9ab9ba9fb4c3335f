import * as ort from 'onnxruntime-node';
import type { ModelSignature } from '@switchyard/onnx';
import { decodeInferRequest, encodeInferResponse } from './oip-codec';
import { TensorDecodeError } from './tensor-decode-error';

const signature: ModelSignature = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1, 3] },
    { name: 'ids', datatype: 'INT64', shape: [-1] },
    { name: 'flag', datatype: 'BOOL', shape: [] },
  ],
  outputs: [
    { name: 'y', datatype: 'FP32', shape: [-1, 2] },
    { name: 'z', datatype: 'INT64', shape: [-1] },
  ],
};

const limits = { maxElements: 1000 };

const x = (overrides: Record<string, unknown> = {}) => ({ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6], ...overrides });
const ids = (overrides: Record<string, unknown> = {}) => ({ name: 'ids', shape: [2], datatype: 'INT64', data: [7, '9223372036854775807'], ...overrides });
const flag = (overrides: Record<string, unknown> = {}) => ({ name: 'flag', shape: [], datatype: 'BOOL', data: [true], ...overrides });

function errorOf(decode: () => unknown): TensorDecodeError {
  try {
    decode();
  } catch (error) {
    if (error instanceof TensorDecodeError) return error;
    throw error;
  }
  throw new Error('expected a TensorDecodeError');
}

const problemsOf = (body: unknown) => errorOf(() => decodeInferRequest(body, signature, limits)).problems;

describe('decodeInferRequest', () => {
  it('decodes the inputs into typed tensors and passes id and parameters through', () => {
    const request = decodeInferRequest(
      { id: '42', parameters: { binary_data_output: false }, inputs: [x(), ids(), flag()] },
      signature,
      limits,
    );
    expect(request.id).toBe('42');
    expect(request.parameters).toEqual({ binary_data_output: false });
    expect(request.binaryOutputs).toEqual([]);
    expect(request.requestedOutputs).toBeUndefined();
    expect(request.feeds.x).toMatchObject({ type: 'float32', dims: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    expect(request.feeds.ids).toMatchObject({ type: 'int64', dims: [2], data: BigInt64Array.of(7n, 2n ** 63n - 1n) });
    expect(request.feeds.flag).toMatchObject({ type: 'bool', dims: [], data: Uint8Array.of(1) });
    expect(Object.keys(decodeInferRequest({ inputs: [x(), ids(), flag()] }, signature, limits))).toEqual(['feeds', 'binaryOutputs']);
  });

  it('reads an optional field that is null as absent, as a request object serialized whole sends it', () => {
    const request = decodeInferRequest(
      { id: null, parameters: null, inputs: [x({ parameters: null }), ids(), flag()], outputs: null },
      signature,
      limits,
    );
    expect(Object.keys(request)).toEqual(['feeds', 'binaryOutputs']);
    const named = decodeInferRequest({ inputs: [x(), ids(), flag()], outputs: [{ name: 'z', parameters: null }] }, signature, limits);
    expect(named.requestedOutputs).toEqual(['z']);
    expect(problemsOf({ id: 7, inputs: null })).toEqual([
      { field: 'id', message: 'expected a string, got number 7' },
      { field: 'inputs', message: 'required: an array of input tensors, got null' },
    ]);
  });

  it('decodes flat and nested data to the same tensor', () => {
    const flat = decodeInferRequest({ inputs: [x(), ids(), flag()] }, signature, limits);
    const nested = decodeInferRequest({ inputs: [x({ data: [[1, 2, 3], [4, 5, 6]] }), ids(), flag()] }, signature, limits);
    expect(nested.feeds).toEqual(flat.feeds);
  });

  it('refuses data whose element count differs from the shape', () => {
    expect(problemsOf({ inputs: [x({ data: [1, 2, 3, 4, 5] }), ids(), flag()] })).toEqual([
      { field: 'inputs[0].data', message: 'has 5 elements, but shape [2, 3] holds 6' },
    ]);
    expect(problemsOf({ inputs: [x({ shape: [3, 3] }), ids(), flag()] })).toEqual([
      { field: 'inputs[0].data', message: 'has 6 elements, but shape [3, 3] holds 9' },
    ]);
  });

  it('refuses nested data that does not follow the shape, or is ragged', () => {
    expect(problemsOf({ inputs: [x({ shape: [2, 3], data: [[1, 2], [3, 4], [5, 6]] }), ids(), flag()] })).toEqual([
      {
        field: 'inputs[0].data',
        message: 'is nested as [3, 2], which is not the shape [2, 3]; send data flat (row-major) or nested exactly as the shape',
      },
    ]);
    expect(problemsOf({ inputs: [x({ data: [[1, 2, 3], [4, 5]] }), ids(), flag()] })).toEqual([
      { field: 'inputs[0].data[1]', message: 'expected 3 elements, got 2' },
    ]);
  });

  it('names refused elements by their index in flat data', () => {
    expect(problemsOf({ inputs: [x({ data: [1, 2, 'NaN', 4, 5, null] }), ids({ data: [1, 9007199254740993] }), flag()] })).toEqual([
      { field: 'inputs[0].data[2]', message: 'expected a number, got string "NaN"' },
      { field: 'inputs[0].data[5]', message: 'expected a number, got null' },
      { field: 'inputs[1].data[1]', message: expect.stringContaining('send INT64 values this large as decimal strings') },
    ]);
  });

  it('refuses a datatype other than the model input’s, except one numeric type for another', () => {
    expect(problemsOf({ inputs: [x({ datatype: 'BYTES' }), ids(), flag({ datatype: 'UINT8', data: [1] })] })).toEqual([
      { field: 'inputs[0].datatype', message: 'input "x" is FP32, not BYTES' },
      { field: 'inputs[2].datatype', message: 'input "flag" is BOOL, not UINT8' },
    ]);
    expect(problemsOf({ inputs: [x({ datatype: 'FLOAT32' }), ids(), flag()] })).toEqual([
      {
        field: 'inputs[0].datatype',
        message: 'expected an Open Inference Protocol datatype (input "x" is FP32), got string "FLOAT32"',
      },
    ]);
    const coerced = decodeInferRequest({ inputs: [x({ datatype: 'INT32' }), ids({ datatype: 'FP64' }), flag()] }, signature, limits);
    expect(coerced.feeds.x).toMatchObject({ type: 'float32', data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    expect(coerced.feeds.ids).toMatchObject({ type: 'int64' });
    // The values still have to fit the model's datatype.
    expect(problemsOf({ inputs: [x(), ids({ datatype: 'FP32', data: [1.5, 2] }), flag()] })).toEqual([
      { field: 'inputs[1].data[0]', message: '1.5 is not an integer' },
    ]);
  });

  it('checks the shape against the signature: rank, fixed dimensions, sizes', () => {
    expect(problemsOf({ inputs: [x({ shape: [6], data: [1, 2, 3, 4, 5, 6] }), ids(), flag({ shape: [1] })] })).toEqual([
      { field: 'inputs[0].shape', message: 'input "x": expected shape [-1, 3] (rank 2), got [6] (rank 1)' },
      { field: 'inputs[2].shape', message: 'input "flag": expected a scalar (shape []), got shape [1]' },
    ]);
    expect(problemsOf({ inputs: [x({ shape: [3, 2] }), ids(), flag()] })).toEqual([
      { field: 'inputs[0].shape', message: 'input "x": dimension 1 must be 3 (shape [-1, 3]), got 2' },
    ]);
    expect(problemsOf({ inputs: [x({ shape: [0, 3], data: [] }), ids(), flag()] })).toEqual([
      { field: 'inputs[0].shape', message: 'input "x": dimension 0 must be at least 1 (shape [-1, 3]), got 0' },
    ]);
    expect(problemsOf({ inputs: [x({ shape: [-1, 3] }), ids({ shape: '2' }), flag()] })).toEqual([
      { field: 'inputs[0].shape', message: 'expected an array of non-negative integers, got [-1,3]' },
      { field: 'inputs[1].shape', message: 'expected an array of non-negative integers, got string "2"' },
    ]);
  });

  it('reports unknown, repeated and missing inputs together', () => {
    expect(problemsOf({ inputs: [x(), x(), { ...ids(), name: 'idz' }, 5] })).toEqual([
      { field: 'inputs[1].name', message: 'input "x" is given more than once' },
      { field: 'inputs[2].name', message: '"idz" is not an input of this model; its inputs are x, ids, flag' },
      { field: 'inputs[3]', message: 'expected an object with name, shape, datatype and data, got number 5' },
      { field: 'inputs', message: 'missing input "ids" (INT64 [-1])' },
      { field: 'inputs', message: 'missing input "flag" (BOOL [])' },
    ]);
  });

  it('enforces the element limit over all inputs together', () => {
    const body = { inputs: [x(), ids(), flag()] };
    expect(() => decodeInferRequest(body, signature, { maxElements: 9 })).not.toThrow();
    expect(errorOf(() => decodeInferRequest(body, signature, { maxElements: 8 })).problems).toEqual([
      { field: 'inputs', message: '9 elements in all exceed the limit of 8 per request' },
    ]);
  });

  it('restricts the outputs to those asked for, in order, without repeats', () => {
    const request = decodeInferRequest(
      { inputs: [x(), ids(), flag()], outputs: [{ name: 'z' }, { name: 'y', parameters: { binary_data: false } }, { name: 'z' }] },
      signature,
      limits,
    );
    expect(request.requestedOutputs).toEqual(['z', 'y']);
  });

  it('refuses unknown outputs, an empty outputs list and malformed parameters', () => {
    expect(problemsOf({ inputs: [x(), ids(), flag()], outputs: [{ name: 'w' }, 'y'] })).toEqual([
      { field: 'outputs[0].name', message: '"w" is not an output of this model; its outputs are y, z' },
      { field: 'outputs[1]', message: 'expected an object with a name, got string "y"' },
    ]);
    expect(problemsOf({ inputs: [x(), ids(), flag()], outputs: [] })).toEqual([
      { field: 'outputs', message: 'expected a non-empty array of {name}; leave outputs out to get every output' },
    ]);
    expect(problemsOf({ id: 42, parameters: { binary_data_output: [1] }, inputs: [x({ parameters: 'p' }), ids(), flag()] })).toEqual([
      { field: 'id', message: 'expected a string, got number 42' },
      { field: 'parameters.binary_data_output', message: 'expected true or false, got an array' },
      { field: 'inputs[0].parameters', message: 'expected an object of name → string, number or boolean, got string "p"' },
    ]);
  });

  it('refuses parameters it does not know, on the request, an input or an output, naming those it does', () => {
    expect(problemsOf({ parameters: { priority: 1 }, inputs: [x({ parameters: { shared_memory_region: 'r' } }), ids(), flag()], outputs: [{ name: 'y', parameters: { classification: 2 } }] })).toEqual([
      { field: 'parameters.priority', message: 'unknown parameter; this server understands binary_data_output, content_type here, and acts on no other' },
      { field: 'inputs[0].parameters.shared_memory_region', message: 'unknown parameter; this server understands binary_data_size, content_type here, and acts on no other' },
      { field: 'outputs[0].parameters.classification', message: 'unknown parameter; this server understands binary_data here, and acts on no other' },
    ]);
  });

  it("takes MLServer's content_type where it means the tensor as sent (np, pd, str), and refuses a decoding it does not do", () => {
    const plain = decodeInferRequest({ inputs: [x(), ids(), flag()] }, signature, limits);
    const marked = decodeInferRequest({ parameters: { content_type: 'pd' }, inputs: [x({ parameters: { content_type: 'np' } }), ids(), flag()] }, signature, limits);
    expect(marked.feeds).toEqual(plain.feeds);
    expect(problemsOf({ inputs: [x({ parameters: { content_type: 'base64' } }), ids(), flag()] })).toEqual([
      {
        field: 'inputs[0].parameters.content_type',
        message: 'MLServer\'s content type string "base64" asks for a decoding this server does not do; it takes "np", "pd" and "str", which mean the tensor as sent',
      },
    ]);
  });

  it('refuses a body without an inputs array, joining the problems into the message the /v2 error carries', () => {
    expect(errorOf(() => decodeInferRequest('x', signature, limits)).message).toBe('body: expected an inference request object with inputs');
    const error = errorOf(() => decodeInferRequest({ inputs: { x: [1] }, outputs: [{ name: 'q' }] }, signature, limits));
    expect(error.message).toBe(
      'inputs: required: an array of input tensors, got an object; outputs[0].name: "q" is not an output of this model; its outputs are y, z',
    );
  });
});

describe('encodeInferResponse', () => {
  const results = {
    y: new ort.Tensor('float32', Float32Array.of(1.5, NaN, -Infinity, 4), [2, 2]),
    z: new ort.Tensor('int64', BigInt64Array.of(1n, 9007199254740993n), [2]),
  };

  it('lists every output flat and row-major with its OIP datatype and shape', () => {
    expect(encodeInferResponse({ modelName: 'm', modelVersion: '3', id: '42', results })).toEqual({
      model_name: 'm',
      model_version: '3',
      id: '42',
      outputs: [
        { name: 'y', datatype: 'FP32', shape: [2, 2], data: [1.5, 'NaN', '-Infinity', 4] },
        { name: 'z', datatype: 'INT64', shape: [2], data: [1, '9007199254740993'] },
      ],
    });
  });

  it('returns only the requested outputs, in the order requested, and leaves out an absent id', () => {
    const response = encodeInferResponse({ modelName: 'm', modelVersion: '3', results, requestedOutputs: ['z'] });
    expect(response).toEqual({
      model_name: 'm',
      model_version: '3',
      outputs: [{ name: 'z', datatype: 'INT64', shape: [2], data: [1, '9007199254740993'] }],
    });
    expect('id' in response).toBe(false);
  });

  it('encodes a scalar output as one element with shape []', () => {
    const response = encodeInferResponse({ modelName: 'm', modelVersion: '1', results: { s: new ort.Tensor('bool', Uint8Array.of(1), []) } });
    expect(response.outputs).toEqual([{ name: 's', datatype: 'BOOL', shape: [], data: [true] }]);
  });
});
