import * as ort from 'onnxruntime-node';
import type { ModelSignature } from '@switchyard/onnx';
import { decodeGrpcInferRequest, encodeGrpcInferResponse, type GrpcInferRequest } from './oip-grpc-codec';
import { TensorDecodeError } from './tensor-decode-error';

const signature: ModelSignature = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1, 2] },
    { name: 'ids', datatype: 'INT64', shape: [-1] },
    { name: 'flag', datatype: 'BOOL', shape: [] },
  ],
  outputs: [
    { name: 'y', datatype: 'FP32', shape: [-1, 2] },
    { name: 'z', datatype: 'INT64', shape: [-1] },
  ],
};

const limits = { maxElements: 1000 };

const typed = (): GrpcInferRequest => ({
  id: 'r1',
  inputs: [
    { name: 'x', datatype: 'FP32', shape: ['2', '2'], contents: { fp32_contents: [1, 2, 3, 4] } },
    { name: 'ids', datatype: 'INT64', shape: ['2'], contents: { int64_contents: ['7', '9223372036854775807'] } },
    { name: 'flag', datatype: 'BOOL', shape: [], contents: { bool_contents: [true] } },
  ],
});

/** Little-endian bytes, written here with DataView rather than the codec's own typed-array copies. */
function le(kind: 'f32' | 'i64', values: number[] | bigint[]): Buffer {
  const size = kind === 'f32' ? 4 : 8;
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((value, i) => (kind === 'f32' ? view.setFloat32(i * 4, value as number, true) : view.setBigInt64(i * 8, value as bigint, true)));
  return Buffer.from(view.buffer);
}

const raw = (): GrpcInferRequest => ({
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [1, 2] },
    { name: 'ids', datatype: 'INT64', shape: [1] },
    { name: 'flag', datatype: 'BOOL', shape: [] },
  ],
  raw_input_contents: [le('f32', [0.5, -1]), le('i64', [-3n]), Buffer.from([1])],
});

function problemsOf(request: GrpcInferRequest, sig: ModelSignature = signature): string[] {
  try {
    decodeGrpcInferRequest(request, sig, limits);
  } catch (error) {
    if (error instanceof TensorDecodeError) return error.problems.map((p) => `${p.field}: ${p.message}`);
    throw error;
  }
  throw new Error('expected a TensorDecodeError');
}

describe('decodeGrpcInferRequest', () => {
  it('decodes typed contents into tensors of the model datatypes', () => {
    const decoded = decodeGrpcInferRequest(typed(), signature, limits);
    expect(decoded.id).toBe('r1');
    expect(decoded.raw).toBe(false);
    expect(decoded.requestedOutputs).toBeUndefined();
    expect(decoded.feeds.x.dims).toEqual([2, 2]);
    expect(Array.from(decoded.feeds.x.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(Array.from(decoded.feeds.ids.data as BigInt64Array)).toEqual([7n, 9223372036854775807n]);
    expect(decoded.feeds.flag.type).toBe('bool');
    expect(Array.from(decoded.feeds.flag.data as Uint8Array)).toEqual([1]);
  });

  it('decodes raw little-endian contents, one entry per input in order', () => {
    const decoded = decodeGrpcInferRequest(raw(), signature, limits);
    expect(decoded.raw).toBe(true);
    expect(Array.from(decoded.feeds.x.data as Float32Array)).toEqual([0.5, -1]);
    expect(Array.from(decoded.feeds.ids.data as BigInt64Array)).toEqual([-3n]);
    expect(Array.from(decoded.feeds.flag.data as Uint8Array)).toEqual([1]);
  });

  it('copies raw bytes that sit at an odd offset of a larger buffer', () => {
    const pool = Buffer.concat([Buffer.from([9]), le('f32', [2.5, 3])]);
    const request = raw();
    request.raw_input_contents![0] = pool.subarray(1);
    expect(Array.from(decodeGrpcInferRequest(request, signature, limits).feeds.x.data as Float32Array)).toEqual([2.5, 3]);
  });

  it('reads BYTES raw elements as 4-byte little-endian lengths and bytes, and typed BYTES as bytes', () => {
    const sig: ModelSignature = { inputs: [{ name: 's', datatype: 'BYTES', shape: [-1] }], outputs: [] };
    const framed = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('hi'), Buffer.from([0, 0, 0, 0])]);
    const decoded = decodeGrpcInferRequest({ inputs: [{ name: 's', datatype: 'BYTES', shape: [2] }], raw_input_contents: [framed] }, sig, limits);
    expect(decoded.feeds.s.data).toEqual(['hi', '']);
    const typedBytes = decodeGrpcInferRequest({ inputs: [{ name: 's', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [Buffer.from('é')] } }] }, sig, limits);
    expect(typedBytes.feeds.s.data).toEqual(['é']);
    const past = Buffer.concat([Buffer.from([9, 0, 0, 0]), Buffer.from('hi')]);
    expect(problemsOf({ inputs: [{ name: 's', datatype: 'BYTES', shape: [1] }], raw_input_contents: [past] }, sig)).toEqual([
      'raw_input_contents[0] (input "s", BYTES [1]): element 0 claims 9 bytes at offset 0, past the end (6 bytes)',
    ]);
  });

  it('refuses BYTES elements a string tensor would alter, raw or typed: bytes that are not UTF-8, a NUL', () => {
    const sig: ModelSignature = { inputs: [{ name: 's', datatype: 'BYTES', shape: [-1] }], outputs: [] };
    const notUtf8 = Buffer.from([1, 0, 0, 0, 0xff]);
    expect(problemsOf({ inputs: [{ name: 's', datatype: 'BYTES', shape: [1] }], raw_input_contents: [notUtf8] }, sig)).toEqual([
      `raw_input_contents[0] (input "s", BYTES [1]): element 0 is not UTF-8 text, which is what this server's string tensors hold`,
    ]);
    const typed = (...elements: Buffer[]) => ({ inputs: [{ name: 's', datatype: 'BYTES', shape: [elements.length], contents: { bytes_contents: elements } }] });
    expect(problemsOf(typed(Buffer.from('ok'), Buffer.from([0xc3])), sig)).toEqual([
      `inputs[0].contents.bytes_contents: BYTES element 1 of input "s" is not UTF-8 text, which is what this server's string tensors hold`,
    ]);
    expect(problemsOf(typed(Buffer.from('a\u0000b')), sig)[0]).toContain('BYTES element 0 of input "s" holds a NUL character (U+0000)');
    expect(decodeGrpcInferRequest(typed(Buffer.from('\uFEFFé')), sig, limits).feeds.s.data).toEqual(['\uFEFFé']);
  });

  it('names a raw entry whose size does not match shape × datatype', () => {
    const request = raw();
    request.raw_input_contents![0] = le('f32', [1, 2, 3]);
    expect(problemsOf(request)).toEqual(['raw_input_contents[0]: has 12 bytes, but input "x" (FP32 [1, 2]) takes 2 × 4 = 8 bytes']);
  });

  it('refuses missing inputs, wrong datatypes, stray contents fields, mixes of raw and typed, and unknown parameters', () => {
    const request = typed();
    request.inputs = [
      { name: 'x', datatype: 'FP64', shape: [1, 2], contents: { fp64_contents: [1, 2] } },
      { name: 'ids', datatype: 'INT64', shape: [1], contents: { int_contents: [1] } },
    ];
    request.parameters = { priority: { int64_param: '1' } };
    expect(problemsOf(request)).toEqual([
      'parameters.priority: "priority" is not a parameter this server knows; remove it',
      'inputs[0].datatype: input "x" is FP32, not FP64',
      'inputs[1].contents: input "ids" is INT64: its elements go in int64_contents, not int_contents',
      'inputs: missing input "flag" (BOOL [])',
    ]);
    // MLServer's content_type: the tensor as sent ("np") is taken, a decoding ("base64") is refused.
    const marked = typed();
    marked.parameters = { content_type: { string_param: 'np' } };
    marked.inputs![0].parameters = { content_type: { string_param: 'base64' } };
    expect(problemsOf(marked)).toEqual([expect.stringMatching(/^inputs\[0\]\.parameters\.content_type: MLServer's content type string "base64" asks for a decoding/)]);
    const mixed = raw();
    mixed.inputs![2].contents = { bool_contents: [true] };
    expect(problemsOf(mixed)).toEqual(['inputs[2].contents: must be empty when the request carries raw_input_contents; send every input one way']);
  });

  it('refuses typed counts that do not match the shape, out-of-range small integers and FP16 sent typed', () => {
    const request = typed();
    request.inputs![0].contents = { fp32_contents: [1, 2, 3] };
    expect(problemsOf(request)).toEqual(['inputs[0].contents.fp32_contents: has 3 elements, but shape [2, 2] holds 4']);
    const int8: ModelSignature = { inputs: [{ name: 'n', datatype: 'INT8', shape: [2] }], outputs: [] };
    expect(problemsOf({ inputs: [{ name: 'n', datatype: 'INT8', shape: [2], contents: { int_contents: [1, 300] } }] }, int8)).toEqual([
      'inputs[0].contents.int_contents[1]: input "n" is INT8: 300 is outside the INT8 range [-128, 127]',
    ]);
    const half: ModelSignature = { inputs: [{ name: 'h', datatype: 'FP16', shape: [1] }], outputs: [] };
    expect(problemsOf({ inputs: [{ name: 'h', datatype: 'FP16', shape: [1], contents: { fp32_contents: [1] } }] }, half)).toEqual([
      'inputs[0].contents: FP16 has no typed contents field; send input "h" in raw_input_contents',
    ]);
  });

  it('checks the element limit over all inputs before allocating', () => {
    const request = raw();
    request.inputs![0].shape = [600, 2];
    expect(problemsOf(request)).toEqual(['inputs: 1202 elements in all exceed the limit of 1000 per request']);
  });

  it('keeps the requested outputs in order, without repeats, and refuses unknown ones', () => {
    const request = typed();
    request.outputs = [{ name: 'z' }, { name: 'y' }, { name: 'z' }];
    expect(decodeGrpcInferRequest(request, signature, limits).requestedOutputs).toEqual(['z', 'y']);
    request.outputs = [{ name: 'w' }];
    expect(problemsOf(request)).toEqual(['outputs[0].name: "w" is not an output of this model; its outputs are y, z']);
  });
});

describe('encodeGrpcInferResponse', () => {
  const results = {
    y: new ort.Tensor('float32', Float32Array.of(1.5, -2), [1, 2]),
    z: new ort.Tensor('int64', BigInt64Array.of(9223372036854775807n), [1]),
  };

  it('answers typed contents, 64-bit integers as decimal strings, in the order asked', () => {
    const response = encodeGrpcInferResponse({ modelName: 'm', modelVersion: '3', id: 'r', results, requestedOutputs: ['z', 'y'], raw: false });
    expect(response).toEqual({
      model_name: 'm',
      model_version: '3',
      id: 'r',
      outputs: [
        { name: 'z', datatype: 'INT64', shape: [1], contents: { int64_contents: ['9223372036854775807'] } },
        { name: 'y', datatype: 'FP32', shape: [1, 2], contents: { fp32_contents: [1.5, -2] } },
      ],
    });
  });

  it('answers raw little-endian bytes when asked raw, and always when an output is FP16', () => {
    const response = encodeGrpcInferResponse({ modelName: 'm', modelVersion: '3', id: '', results, raw: true });
    expect(response.outputs.map((o) => o.contents)).toEqual([undefined, undefined]);
    expect(response.raw_output_contents).toEqual([le('f32', [1.5, -2]), le('i64', [9223372036854775807n])]);
    const half = { h: new ort.Tensor('float16', Uint16Array.of(0x3c00), [1]) };
    expect(encodeGrpcInferResponse({ modelName: 'm', modelVersion: '1', id: '', results: half, raw: false }).raw_output_contents).toEqual([Buffer.from([0x00, 0x3c])]);
  });

  it('frames BYTES outputs with 4-byte little-endian lengths', () => {
    const strings = { s: new ort.Tensor('string', ['ab', ''], [2]) };
    expect(encodeGrpcInferResponse({ modelName: 'm', modelVersion: '1', id: '', results: strings, raw: true }).raw_output_contents).toEqual([
      Buffer.from([2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0]),
    ]);
    expect(encodeGrpcInferResponse({ modelName: 'm', modelVersion: '1', id: '', results: strings, raw: false }).outputs[0].contents).toEqual({
      bytes_contents: [Buffer.from('ab'), Buffer.from('')],
    });
  });
});
