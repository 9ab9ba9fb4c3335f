import type { ModelSignature } from '@switchyard/onnx';
import { BinaryBodyError, binaryTensorBytes, elementByteSize, frameBinaryBody, readBinaryTensor, splitBinaryBody } from './oip-binary';
import { decodeInferRequest } from './oip-codec';
import { TensorDecodeError } from './tensor-decode-error';

function bodyError(read: () => unknown): { field: string; message: string } {
  try {
    read();
  } catch (error) {
    if (error instanceof BinaryBodyError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('expected a BinaryBodyError');
}

/** BYTES elements as the extension frames them: a 4-byte little-endian length, then the bytes. */
function byteStrings(...elements: string[]): Buffer {
  return Buffer.concat(elements.flatMap((text) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    return [length, bytes];
  }));
}

describe('splitBinaryBody', () => {
  it('splits at the header length, handing out views of the body', () => {
    const body = Buffer.from('{"a":1}\x01\x02\x03', 'latin1');
    const { json, binary } = splitBinaryBody(body, '7');
    expect(Buffer.from(json).toString()).toBe('{"a":1}');
    expect([...binary]).toEqual([1, 2, 3]);
    expect(binary.buffer).toBe(body.buffer);
  });

  it('refuses a length past the end of the body, zero, or not a number', () => {
    expect(bodyError(() => splitBinaryBody(Buffer.from('{}'), '10'))).toEqual({
      field: 'Inference-Header-Content-Length',
      message: 'says the JSON part is 10 bytes, past the end of the 2-byte body; it must be the length of the JSON alone, with the tensor bytes after it',
    });
    expect(bodyError(() => splitBinaryBody(Buffer.from('{}'), '0')).message).toContain('is 0');
    expect(bodyError(() => splitBinaryBody(Buffer.from('{}'), '-1')).message).toBe('expected the JSON part\'s length as a decimal number of bytes, got "-1"');
  });
});

describe('readBinaryTensor', () => {
  it('reads little-endian fixed-size elements, without copying aligned bytes', () => {
    const bytes = new Uint8Array(Float32Array.of(1.5, -2).buffer);
    const data = readBinaryTensor('FP32', bytes, 2, 'inputs[0]') as Float32Array;
    expect([...data]).toEqual([1.5, -2]);
    expect(data.buffer).toBe(bytes.buffer);
    // At an odd offset the bytes are copied into an aligned array.
    const odd = new Uint8Array(9);
    odd.set(bytes, 1);
    expect([...(readBinaryTensor('FP32', odd.subarray(1), 2, 'inputs[0]') as Float32Array)]).toEqual([1.5, -2]);
    expect([...(readBinaryTensor('INT64', new Uint8Array(BigInt64Array.of(-1n).buffer), 1, 'i') as BigInt64Array)]).toEqual([-1n]);
    expect([...(readBinaryTensor('FP16', Uint8Array.of(0x00, 0x3c), 1, 'h') as Uint16Array)]).toEqual([0x3c00]);
  });

  it('refuses a size that is not shape × datatype size', () => {
    expect(bodyError(() => readBinaryTensor('FP32', new Uint8Array(12), 4, 'inputs[1]'))).toEqual({
      field: 'inputs[1].parameters.binary_data_size',
      message: 'is 12 bytes, but its shape holds 4 FP32 elements of 4 bytes: 16 bytes',
    });
  });

  it('reads BOOL as one byte each, refusing bytes other than 0 and 1', () => {
    expect([...(readBinaryTensor('BOOL', Uint8Array.of(1, 0, 1), 3, 'b') as Uint8Array)]).toEqual([1, 0, 1]);
    expect(bodyError(() => readBinaryTensor('BOOL', Uint8Array.of(1, 2), 2, 'b')).message).toBe('BOOL element 1 is the byte 2; BOOL elements are one byte each, 1 for true and 0 for false');
  });

  it('reads BYTES as length-prefixed UTF-8, refusing lengths past the end, missing or extra elements, and non-UTF-8', () => {
    expect(readBinaryTensor('BYTES', byteStrings('héllo', '', '日本'), 3, 's')).toEqual(['héllo', '', '日本']);
    const pastEnd = Buffer.concat([byteStrings('ab'), Buffer.from([100, 0, 0, 0, 1])]);
    expect(bodyError(() => readBinaryTensor('BYTES', pastEnd, 2, 'inputs[0]'))).toEqual({
      field: 'inputs[0]',
      message: "BYTES element 1 gives its length as 100 bytes, but only 1 of the tensor's 11 bytes (binary_data_size) remain",
    });
    expect(bodyError(() => readBinaryTensor('BYTES', byteStrings('a'), 2, 's')).message).toContain('ends after 1 of 2 BYTES elements');
    expect(bodyError(() => readBinaryTensor('BYTES', byteStrings('a', 'b'), 1, 's')).message).toContain('end after 5');
    expect(bodyError(() => readBinaryTensor('BYTES', Buffer.from([1, 0, 0, 0, 0xff]), 1, 's')).message).toContain('not UTF-8');
  });

  it('keeps a leading byte order mark, and refuses a BYTES element with a NUL, which a string tensor would cut at', () => {
    expect(readBinaryTensor('BYTES', byteStrings('\uFEFFa'), 1, 's')).toEqual(['\uFEFFa']);
    expect(bodyError(() => readBinaryTensor('BYTES', byteStrings('ok', 'a\u0000b'), 2, 'inputs[0]'))).toEqual({
      field: 'inputs[0]',
      message: "BYTES element 1 holds a NUL character (U+0000), where onnxruntime's string tensors end a string: it would reach the model cut short",
    });
  });
});

describe('binaryTensorBytes and frameBinaryBody', () => {
  it('writes outputs as the extension has them, and frames the JSON header before their bytes', () => {
    expect([...binaryTensorBytes('INT16', Int16Array.of(1, -1))]).toEqual([1, 0, 0xff, 0xff]);
    expect([...binaryTensorBytes('BOOL', Uint8Array.of(1, 0))]).toEqual([1, 0]);
    expect(Buffer.from(binaryTensorBytes('BYTES', ['hé', '']))).toEqual(byteStrings('hé', ''));
    expect(elementByteSize('FP64')).toBe(8);
    expect(elementByteSize('BYTES')).toBeUndefined();
    const { body, headerLength } = frameBinaryBody({ outputs: [] }, [Uint8Array.of(9, 8)]);
    expect(headerLength).toBe(14);
    expect(body.subarray(0, headerLength).toString()).toBe('{"outputs":[]}');
    expect([...body.subarray(headerLength)]).toEqual([9, 8]);
  });
});

describe('decodeInferRequest with a binary part', () => {
  const signature: ModelSignature = {
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [-1, 2] },
      { name: 'h', datatype: 'FP16', shape: [-1] },
      { name: 's', datatype: 'BYTES', shape: [-1] },
    ],
    outputs: [
      { name: 'y', datatype: 'FP32', shape: [-1, 2] },
      { name: 'hy', datatype: 'FP16', shape: [-1] },
    ],
  };
  const limits = { maxElements: 100 };
  const x = (overrides: Record<string, unknown> = {}) => ({ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2], ...overrides });
  const h = (size = 2) => ({ name: 'h', datatype: 'FP16', shape: [1], parameters: { binary_data_size: size } });
  const s = (size: number) => ({ name: 's', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: size } });
  const asBinary = { parameters: { binary_data_output: true } };
  const problemsOf = (body: unknown, binary?: Uint8Array) => {
    try {
      decodeInferRequest(body, signature, limits, binary);
    } catch (error) {
      if (error instanceof TensorDecodeError) return error.problems;
      throw error;
    }
    throw new Error('expected a TensorDecodeError');
  };

  it('mixes JSON and binary inputs, reading the binary ones in the order listed, and chooses binary outputs', () => {
    const binary = Buffer.concat([Buffer.from([0x00, 0x3c]), byteStrings('hi')]);
    const request = decodeInferRequest(
      { inputs: [x(), h(), s(6)], outputs: [{ name: 'y' }, { name: 'hy', parameters: { binary_data: true } }] },
      signature,
      limits,
      binary,
    );
    expect([...(request.feeds.h.data as Uint16Array)]).toEqual([0x3c00]);
    expect(request.feeds.s.data).toEqual(['hi']);
    expect(request.feeds.x.data).toEqual(Float32Array.of(1, 2));
    expect(request.binaryOutputs).toEqual(['hy']);
    // binary_data on an output overrides the request's binary_data_output.
    const overridden = decodeInferRequest({ ...asBinary, inputs: [x(), h(), s(6)], outputs: [{ name: 'y', parameters: { binary_data: false } }, { name: 'hy' }] }, signature, limits, binary);
    expect(overridden.binaryOutputs).toEqual(['hy']);
    expect(decodeInferRequest({ ...asBinary, inputs: [x(), h(), s(6)] }, signature, limits, binary).binaryOutputs).toEqual(['y', 'hy']);
  });

  it('refuses FP16 as JSON, in either direction', () => {
    expect(problemsOf({ inputs: [x(), { name: 'h', datatype: 'FP16', shape: [1], data: [1] }, s(5)] }, byteStrings('a'))).toEqual([
      {
        field: 'inputs[1].data',
        message: 'input "h" is FP16, which JSON has no numbers for: send it as binary data (parameters.binary_data_size, its bytes after the JSON, and the Inference-Header-Content-Length header)',
      },
      {
        field: 'outputs',
        message: 'output "hy" is FP16, which JSON has no numbers for: ask for it as binary data (outputs[].parameters.binary_data: true, or parameters.binary_data_output: true)',
      },
    ]);
  });

  it('refuses a binary_data_size that is not shape × datatype size, a missing binary part, and bytes left over', () => {
    const binary = Buffer.concat([Buffer.from([0, 0, 0, 0]), byteStrings('a')]);
    expect(problemsOf({ ...asBinary, inputs: [x(), h(4), s(5)] }, binary)).toEqual([
      { field: 'inputs[1].parameters.binary_data_size', message: 'is 4 bytes, but its shape holds 1 FP16 elements of 2 bytes: 2 bytes' },
    ]);
    expect(problemsOf({ ...asBinary, inputs: [x(), h(), s(5)] }, Uint8Array.of(0, 0))).toEqual([
      {
        field: 'inputs[2].parameters.binary_data_size',
        message: 'asks for 5 bytes of the binary part from byte 2, but only 0 remain: the binary part is missing or shorter than the binary_data_size values add up to',
      },
    ]);
    expect(problemsOf({ ...asBinary, inputs: [x(), h(), s(5)] }, Buffer.concat([Buffer.from([0, 0]), byteStrings('a'), Buffer.from([7])]))).toEqual([
      {
        field: 'Inference-Header-Content-Length',
        message:
          "the binary part after the JSON is 8 bytes, but the inputs' binary_data_size values add up to 7; send exactly the bytes of the inputs that give binary_data_size, in the order they are listed",
      },
    ]);
  });

  it('refuses binary_data_size in a request without a binary part, beside data, or not a size; and a binary input declared as another datatype', () => {
    expect(problemsOf({ ...asBinary, inputs: [x(), h(), s(5)] })[0]).toEqual({
      field: 'inputs[1].parameters.binary_data_size',
      message:
        'this request has no binary part: send the tensor bytes after the JSON and give the length of the JSON in the Inference-Header-Content-Length header, or send the elements in data',
    });
    expect(problemsOf({ ...asBinary, inputs: [x({ parameters: { binary_data_size: 8 } }), h(), s(5)] }, Buffer.concat([Buffer.alloc(10), byteStrings('a')]))).toEqual([
      { field: 'inputs[0].data', message: 'input "x" gives both data and parameters.binary_data_size: send its elements one way only' },
    ]);
    expect(problemsOf({ ...asBinary, inputs: [x(), { ...h(), parameters: { binary_data_size: -2 } }, s(5)] }, byteStrings('a'))).toEqual([
      { field: 'inputs[1].parameters.binary_data_size', message: 'expected a number of bytes (a non-negative integer), got number -2' },
    ]);
    expect(problemsOf({ ...asBinary, inputs: [{ name: 'x', datatype: 'FP64', shape: [1, 2], parameters: { binary_data_size: 16 } }, h(), s(5)] }, Buffer.concat([Buffer.alloc(18), byteStrings('a')]))).toEqual([
      { field: 'inputs[0].datatype', message: 'input "x" is FP32, not FP64' },
    ]);
  });
});
