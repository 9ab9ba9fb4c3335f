import { loadSync, type ServiceDefinition } from '@grpc/proto-loader';
import { OIP_PROTO_OPTIONS, OIP_PROTO_PATH, OIP_SERVICE_NAME } from './oip-proto';
import { MalformedMessage, withStrictRequests } from './strict-requests';

describe('withStrictRequests', () => {
  const lenient = loadSync(OIP_PROTO_PATH, OIP_PROTO_OPTIONS)[OIP_SERVICE_NAME] as ServiceDefinition;
  const strict = withStrictRequests(lenient);
  const infer = lenient.ModelInfer;
  const whole = infer.requestSerialize({ model_name: 'light', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.alloc(16)] });
  // The same message with model_name (field 1) appended last, declaring 5 bytes more than follow.
  const cut = Buffer.concat([infer.requestSerialize({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.alloc(16)] }), Buffer.from([0x0a, 10]), Buffer.from('light')]);

  it('decodes a whole message as proto-loader does, raw contents included', () => {
    const decoded = strict.ModelInfer.requestDeserialize(whole) as Record<string, unknown>;
    expect(decoded).toEqual(infer.requestDeserialize(whole));
    expect(decoded).toMatchObject({ model_name: 'light', inputs: [{ name: 'x', datatype: 'FP32', shape: ['1', '4'] }] });
    expect(Array.from((decoded.raw_input_contents as Uint8Array[])[0])).toEqual(Array(16).fill(0));
  });

  it('gives a MalformedMessage naming the type for a string that runs past the end, which proto-loader cuts short', () => {
    expect(infer.requestDeserialize(cut)).toMatchObject({ model_name: 'light' });
    const refused = strict.ModelInfer.requestDeserialize(cut);
    expect(refused).toBeInstanceOf(MalformedMessage);
    expect((refused as MalformedMessage).error).toMatchObject({
      code: 'MALFORMED_REQUEST',
      message: expect.stringMatching(/^the request is not a valid ModelInferRequest message \(index out of range: \d+ \+ 10 > \d+\)/),
    });
  });

  it('gives a MalformedMessage for bytes no message has, on every method', () => {
    for (const [name, method] of Object.entries(strict)) {
      const refused = method.requestDeserialize(Buffer.from([0x7f, 0x01]));
      expect([name, (refused as MalformedMessage).error?.message]).toEqual([name, expect.stringContaining('(invalid wire type 7 at offset 1)')]);
    }
  });
});
