import * as ort from 'onnxruntime-node';
import { buildAffine, buildMlp, buildModelWithSequenceInput, buildMultiTypeModel } from './testing';
import { type ModelSignature, NonTensorValueError, signatureCompatibility, signatureOfSession } from './signature';

async function withSession<T>(bytes: Uint8Array, use: (session: ort.InferenceSession) => Promise<T> | T): Promise<T> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes));
  try {
    return await use(session);
  } finally {
    await session.release();
  }
}

const signatureOf = (bytes: Uint8Array) => withSession(bytes, signatureOfSession);

describe('signatureOfSession', () => {
  it('reads an MLP with a dynamic batch dimension', async () => {
    expect(await signatureOf(buildMlp({ layers: [64, 256, 256, 10] }))).toEqual({
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 64] }],
      outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 10] }],
    });
  });

  it('reads every element type and a scalar of the multi-type model', async () => {
    const signature = await signatureOf(buildMultiTypeModel());
    expect(signature.inputs).toEqual([
      { name: 'f', datatype: 'FP32', shape: [-1, 3] },
      { name: 'i', datatype: 'INT64', shape: [-1] },
      { name: 'b', datatype: 'BOOL', shape: [-1] },
      { name: 's', datatype: 'FP32', shape: [] },
      { name: 'd', datatype: 'FP64', shape: [-1, 2] },
      { name: 'n', datatype: 'INT32', shape: [-1] },
      { name: 'u', datatype: 'UINT8', shape: [-1] },
    ]);
    expect(signature.outputs.map((output) => output.name)).toEqual(
      ['f_out', 'i_out', 'b_out', 's_out', 'd_out', 'n_out', 'u_out'],
    );
    expect(signature.outputs.find((output) => output.name === 's_out')?.shape).toEqual([]);
  });

  it('names an input that is not a tensor', async () => {
    const attempt = signatureOf(buildModelWithSequenceInput());
    await expect(attempt).rejects.toThrow(NonTensorValueError);
    await expect(attempt).rejects.toThrow('input "items" is not a tensor; only tensor inputs and outputs are supported');
    await expect(attempt).rejects.toMatchObject({ role: 'input', valueName: 'items' });
  });
});

describe('signatureCompatibility', () => {
  it('finds two seeds of the same MLP compatible', async () => {
    const champion = await signatureOf(buildMlp({ layers: [8, 4], seed: 1 }));
    const challenger = await signatureOf(buildMlp({ layers: [8, 4], seed: 2 }));
    expect(signatureCompatibility(champion, challenger)).toEqual([]);
  });

  it('ignores shapes and outputs', async () => {
    const champion = await signatureOf(buildMlp({ layers: [8, 4], outputName: 'logits' }));
    const challenger = await signatureOf(buildMlp({ layers: [16, 2, 3] }));
    expect(signatureCompatibility(champion, challenger)).toEqual([]);
  });

  it('lists missing and extra inputs by name', async () => {
    const champion = await signatureOf(buildMlp({ layers: [3, 2] }));
    const challenger = await signatureOf(buildAffine({ scale: 1, bias: 0, features: 3 }));
    expect(signatureCompatibility(champion, challenger)).toEqual([
      'input "input": missing from challenger',
      'input "x": not an input of champion',
    ]);
  });

  it('lists datatype changes per input', () => {
    const champion: ModelSignature = {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [-1, 3] },
        { name: 'mask', datatype: 'BOOL', shape: [-1] },
      ],
      outputs: [],
    };
    const challenger: ModelSignature = {
      inputs: [
        { name: 'mask', datatype: 'BOOL', shape: [-1] },
        { name: 'x', datatype: 'INT64', shape: [-1, 3] },
      ],
      outputs: [],
    };
    expect(signatureCompatibility(champion, challenger)).toEqual(['input "x": datatype FP32 → INT64']);
  });
});
