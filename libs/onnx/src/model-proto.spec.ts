import { onnx } from 'onnx-proto';
import { decodeModelProto } from './model-proto';
import { buildAffine } from './testing';

describe('decodeModelProto', () => {
  it('decodes a model from a Buffer or a Uint8Array alike', () => {
    const bytes = buildAffine({ scale: 2, bias: 1, features: 4 });
    const opTypes = (model: onnx.ModelProto) => (model.graph?.node ?? []).map((node) => node.opType);
    expect(opTypes(decodeModelProto(Buffer.from(bytes)))).toEqual(opTypes(decodeModelProto(bytes)));
    expect(opTypes(decodeModelProto(bytes)).length).toBeGreaterThan(0);
  });

  it('throws for a string whose length runs past the end of a Buffer, which protobufjs alone cuts short', () => {
    // A model whose last field is its domain (field 4), declaring 20 bytes where 6 follow.
    const cut = Buffer.from([0x08, 0x08, 0x22, 20, ...Buffer.from('switch')]);
    expect(onnx.ModelProto.decode(cut).domain).toBe('switch');
    expect(() => decodeModelProto(cut)).toThrow(/index out of range/);
  });
});
