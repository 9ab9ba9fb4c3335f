import * as ort from 'onnxruntime-node';
import { signatureOfSession } from '@switchyard/onnx';
import { buildMlp, buildReflectPad, buildReshapeThatNeverFits } from '@switchyard/onnx/testing';
import { warmUp, WarmUpError } from './warm-up';

async function warmed(bytes: Uint8Array, example?: Parameters<typeof warmUp>[3]) {
  const session = await ort.InferenceSession.create(Buffer.from(bytes));
  try {
    const feeds = await warmUp(session, signatureOfSession(session), 3, example);
    return feeds && Object.fromEntries(Object.entries(feeds).map(([name, tensor]) => [name, tensor.dims]));
  } finally {
    await session.release();
  }
}

describe('warmUp', () => {
  it('runs the input example when there is one', async () => {
    expect(await warmed(buildReflectPad(2), { instances: [[1, 2, 3, 4]] })).toEqual({ x: [1, 4] });
  });

  it('otherwise runs the first synthetic input that fits', async () => {
    expect(await warmed(buildMlp({ layers: [4, 2] }))).toEqual({ input: [1, 4] });
    expect(await warmed(buildReflectPad(2))).toEqual({ x: [1, 16] });
  });

  it('finds nothing, without failing, for a model no synthetic input fits', async () => {
    expect(await warmed(buildReshapeThatNeverFits())).toBeNull();
  });

  it('refuses the version when its own example does not run', async () => {
    await expect(warmed(buildReflectPad(2), { instances: [[1]] })).rejects.toThrow(WarmUpError);
    await expect(warmed(buildReflectPad(2), { inputs: { y: [[1, 2, 3]] } })).rejects.toThrow(/^version 3: its input_example did not run: inputs\.y: not an input/);
  });
});
