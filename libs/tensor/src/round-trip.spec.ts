import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { buildMlp, buildMultiTypeModel } from '@switchyard/onnx/testing';
import { signatureOfSession, type ModelSignature } from '@switchyard/onnx';
import { decodeInferRequest, encodeBinaryInferResponse, encodeInferResponse } from './oip-codec';
import { decodePredictRequest, encodeOutputsAsNested } from './predict-codec';

/**
 * Decode → onnxruntime → encode, with real sessions: what the codecs write must be what the runtime
 * takes, and what it returns must be what the codecs read.
 */

const { DataType } = onnx.TensorProto;

/** Every Open Inference Protocol datatype, with values that reach each end of its range. */
const CASES: Array<{ datatype: string; elementType: onnx.TensorProto.DataType; ortType: string; json: unknown[][]; data: unknown }> = [
  { datatype: 'FP32', elementType: DataType.FLOAT, ortType: 'float32', json: [[1.5, -2.25], [3.4028234663852886e38, 2 ** -149]], data: Float32Array.of(1.5, -2.25, 3.4028234663852886e38, 2 ** -149) },
  { datatype: 'FP64', elementType: DataType.DOUBLE, ortType: 'float64', json: [[0.1, -1e300], [Number.MAX_VALUE, 5e-324]], data: Float64Array.of(0.1, -1e300, Number.MAX_VALUE, 5e-324) },
  { datatype: 'FP16', elementType: DataType.FLOAT16, ortType: 'float16', json: [[1, -2.5], [65504, 2 ** -24]], data: Uint16Array.of(0x3c00, 0xc100, 0x7bff, 0x0001) },
  { datatype: 'INT8', elementType: DataType.INT8, ortType: 'int8', json: [[-128, 127], [0, -1]], data: Int8Array.of(-128, 127, 0, -1) },
  { datatype: 'INT16', elementType: DataType.INT16, ortType: 'int16', json: [[-32768, 32767], [0, -1]], data: Int16Array.of(-32768, 32767, 0, -1) },
  { datatype: 'INT32', elementType: DataType.INT32, ortType: 'int32', json: [[-2147483648, 2147483647], [0, -1]], data: Int32Array.of(-2147483648, 2147483647, 0, -1) },
  { datatype: 'INT64', elementType: DataType.INT64, ortType: 'int64', json: [['-9223372036854775808', '9223372036854775807'], [9007199254740991, '9007199254740993']], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 9007199254740991n, 9007199254740993n) },
  { datatype: 'UINT8', elementType: DataType.UINT8, ortType: 'uint8', json: [[0, 255], [1, 128]], data: Uint8Array.of(0, 255, 1, 128) },
  { datatype: 'UINT16', elementType: DataType.UINT16, ortType: 'uint16', json: [[0, 65535], [1, 32768]], data: Uint16Array.of(0, 65535, 1, 32768) },
  { datatype: 'UINT32', elementType: DataType.UINT32, ortType: 'uint32', json: [[0, 4294967295], [1, 2147483648]], data: Uint32Array.of(0, 4294967295, 1, 2147483648) },
  { datatype: 'UINT64', elementType: DataType.UINT64, ortType: 'uint64', json: [[0, '18446744073709551615'], [9007199254740991, '9007199254740992']], data: BigUint64Array.of(0n, 2n ** 64n - 1n, 9007199254740991n, 2n ** 53n) },
  { datatype: 'BOOL', elementType: DataType.BOOL, ortType: 'bool', json: [[true, false], [false, true]], data: Uint8Array.of(1, 0, 0, 1) },
  { datatype: 'BYTES', elementType: DataType.STRING, ortType: 'string', json: [['héllo', ''], ['日本', 'a b']], data: ['héllo', '', '日本', 'a b'] },
];

/** One Identity path per datatype, input `<datatype>` → output `<datatype>_out`, each [batch, 2]. */
function buildIdentityPerDatatype(): Uint8Array {
  const valueInfo = (name: string, elemType: onnx.TensorProto.DataType): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 2 }] } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'identity_per_datatype',
      node: CASES.map(({ datatype }) => ({ opType: 'Identity', input: [datatype], output: [`${datatype}_out`] })),
      input: CASES.map(({ datatype, elementType }) => valueInfo(datatype, elementType)),
      output: CASES.map(({ datatype, elementType }) => valueInfo(`${datatype}_out`, elementType)),
    },
  }).finish();
}

async function withSession<T>(bytes: Uint8Array, use: (session: ort.InferenceSession, signature: ModelSignature) => Promise<T>): Promise<T> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes));
  try {
    return await use(session, signatureOfSession(session));
  } finally {
    await session.release();
  }
}

const limits = { maxElements: 100_000 };

describe('decode → onnxruntime → encode', () => {
  it('carries every datatype through a real session unchanged, in /v1 and in /v2 form', async () => {
    await withSession(buildIdentityPerDatatype(), async (session, signature) => {
      expect(signature.inputs.map((input) => input.datatype)).toEqual(CASES.map(({ datatype }) => datatype));
      const inputs = Object.fromEntries(CASES.map(({ datatype, json }) => [datatype, json]));

      const feeds = decodePredictRequest({ inputs }, signature, limits);
      for (const { datatype, ortType, data } of CASES) {
        expect({ datatype, type: feeds[datatype].type, dims: feeds[datatype].dims, data: feeds[datatype].data }).toEqual({
          datatype,
          type: ortType,
          dims: [2, 2],
          data,
        });
      }
      const results = await session.run(feeds);
      const expected = Object.fromEntries(CASES.map(({ datatype, json }) => [`${datatype}_out`, json]));
      expect(encodeOutputsAsNested(results)).toEqual(expected);

      // FP16 travels only as binary data under /v2 (JSON has no half-precision numbers).
      const fp16 = CASES.find(({ datatype }) => datatype === 'FP16')!;
      const fp16Bytes = new Uint8Array((fp16.data as Uint16Array).buffer);
      const request = decodeInferRequest(
        {
          id: 'round-trip',
          inputs: CASES.map(({ datatype, json }) =>
            datatype === 'FP16'
              ? { name: datatype, datatype, shape: [2, 2], parameters: { binary_data_size: fp16Bytes.length } }
              : { name: datatype, datatype, shape: [2, 2], data: json.flat() },
          ),
          outputs: CASES.map(({ datatype }) => ({ name: `${datatype}_out`, ...(datatype === 'FP16' && { parameters: { binary_data: true } }) })),
        },
        signature,
        limits,
        fp16Bytes,
      );
      expect(request.feeds).toEqual(feeds);
      expect(request.binaryOutputs).toEqual(['FP16_out']);
      const { header, parts } = encodeBinaryInferResponse({
        modelName: 'identity',
        modelVersion: '1',
        id: request.id,
        results: await session.run(request.feeds),
        requestedOutputs: request.requestedOutputs,
        binaryOutputs: request.binaryOutputs,
      });
      expect(header.outputs).toEqual(
        CASES.map(({ datatype, json }) =>
          datatype === 'FP16'
            ? { name: `${datatype}_out`, datatype, shape: [2, 2], parameters: { binary_data_size: 8 } }
            : { name: `${datatype}_out`, datatype, shape: [2, 2], data: json.flat() },
        ),
      );
      expect(parts).toEqual([fp16Bytes]);
      expect(JSON.parse(JSON.stringify(header))).toEqual(header);
    });
  });

  it('carries every datatype as binary data (binary tensor data extension) through a real session unchanged', async () => {
    await withSession(buildIdentityPerDatatype(), async (session, signature) => {
      const bytesOf = (data: unknown): Uint8Array => {
        if (Array.isArray(data)) {
          // BYTES: a 4-byte little-endian length, then the UTF-8 bytes, per element.
          return Buffer.concat((data as string[]).map((text) => {
            const utf8 = Buffer.from(text, 'utf8');
            const length = Buffer.alloc(4);
            length.writeUInt32LE(utf8.length);
            return Buffer.concat([length, utf8]);
          }));
        }
        const typed = data as ArrayBufferView;
        return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      };
      const parts = CASES.map(({ data }) => bytesOf(data));
      const binary = Buffer.concat(parts);
      const request = decodeInferRequest(
        {
          inputs: CASES.map(({ datatype }, index) => ({ name: datatype, datatype, shape: [2, 2], parameters: { binary_data_size: parts[index].length } })),
          parameters: { binary_data_output: true },
        },
        signature,
        limits,
        binary,
      );
      for (const { datatype, ortType, data } of CASES) {
        expect({ datatype, type: request.feeds[datatype].type, data: request.feeds[datatype].data }).toEqual({ datatype, type: ortType, data });
      }
      const response = encodeBinaryInferResponse({ modelName: 'identity', modelVersion: '1', results: await session.run(request.feeds), binaryOutputs: request.binaryOutputs });
      expect(response.parts.map((part) => Buffer.from(part))).toEqual(parts.map((part) => Buffer.from(part)));
      expect(response.header.outputs.map((output) => output.parameters)).toEqual(parts.map((part) => ({ binary_data_size: part.length })));
    });
  });

  it('runs the multi-type model on several inputs of different types, a scalar among them', async () => {
    await withSession(buildMultiTypeModel(), async (session, signature) => {
      const feeds = decodePredictRequest(
        {
          inputs: {
            f: [[1, 2, 3], [0.5, -1, 0]],
            i: ['9007199254740993', -1, 41],
            b: [true, false],
            s: 2.5,
            d: [[0.1, 0.2]],
            n: [-5, 2147483647],
            u: [0, 255, 7],
          },
        },
        signature,
        limits,
      );
      expect(encodeOutputsAsNested(await session.run(feeds))).toEqual({
        f_out: [[2, 4, 6], [1, -2, 0]],
        i_out: ['9007199254740994', 0, 42],
        b_out: [false, true],
        s_out: 2.5,
        d_out: [[0.1, 0.2]],
        n_out: [-5, 2147483647],
        u_out: [0, 255, 7],
      });
    });
  });

  it('answers only the requested outputs of an OIP request', async () => {
    await withSession(buildMultiTypeModel(), async (session, signature) => {
      const body = {
        inputs: [
          { name: 'f', datatype: 'FP32', shape: [1, 3], data: [[1, 2, 3]] },
          { name: 'i', datatype: 'INT64', shape: [1], data: [1] },
          { name: 'b', datatype: 'BOOL', shape: [1], data: [true] },
          { name: 's', datatype: 'FP32', shape: [], data: [1] },
          { name: 'd', datatype: 'FP64', shape: [1, 2], data: [1, 2] },
          { name: 'n', datatype: 'INT32', shape: [1], data: [1] },
          { name: 'u', datatype: 'UINT8', shape: [1], data: [1] },
        ],
        outputs: [{ name: 'i_out' }, { name: 'f_out' }],
      };
      const request = decodeInferRequest(body, signature, limits);
      expect(request.requestedOutputs).toEqual(['i_out', 'f_out']);
      const results = await session.run(request.feeds, request.requestedOutputs ?? []);
      expect(encodeInferResponse({ modelName: 'multi', modelVersion: '2', results, requestedOutputs: request.requestedOutputs })).toEqual({
        model_name: 'multi',
        model_version: '2',
        outputs: [
          { name: 'i_out', datatype: 'INT64', shape: [1], data: [2] },
          { name: 'f_out', datatype: 'FP32', shape: [1, 3], data: [2, 4, 6] },
        ],
      });
    });
  });

  it('feeds an MLP the same tensor whether the batch comes as instances, nested inputs or flat OIP data', async () => {
    await withSession(buildMlp({ layers: [64, 32, 10], seed: 3 }), async (session, signature) => {
      const rows = Array.from({ length: 5 }, (_, row) => Array.from({ length: 64 }, (_, column) => Math.sin(row * 64 + column)));
      const direct = await session.run({ input: new ort.Tensor('float32', Float32Array.from(rows.flat()), [5, 64]) });

      const fromInstances = await session.run(decodePredictRequest({ instances: rows }, signature, limits));
      const fromOip = await session.run(
        decodeInferRequest({ inputs: [{ name: 'input', datatype: 'FP32', shape: [5, 64], data: rows.flat() }] }, signature, limits).feeds,
      );
      expect(fromInstances.output.data).toEqual(direct.output.data);
      expect(fromOip.output.data).toEqual(direct.output.data);
      const nested = encodeOutputsAsNested(fromInstances).output as number[][];
      expect(nested).toHaveLength(5);
      expect(nested.every((row) => row.length === 10)).toBe(true);
      expect(nested.flat()).toEqual(Array.from(direct.output.data as Float32Array));
    });
  });
});
