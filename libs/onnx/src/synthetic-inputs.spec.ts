import * as ort from 'onnxruntime-node';
import { UnsupportedDatatypeError } from './datatypes';
import { buildMlp, buildMovingSum, buildMultiTypeModel, buildReflectPad, buildReshapeThatNeverFits, buildRowsOf } from './testing';
import { type ModelSignature, signatureOfSession } from './signature';
import { describeSyntheticInput, SYNTHETIC_MAX_ELEMENTS, syntheticFeeds, syntheticInputs } from './synthetic-inputs';

const spec = (name: string, datatype: string, shape: number[]) => ({ name, datatype, shape });
const signatureOf = (...inputs: ReturnType<typeof spec>[]): ModelSignature => ({ inputs, outputs: [] });

/** The guesses as text, the way reasons and warnings show them. */
const described = (signature: ModelSignature) => syntheticInputs(signature).map(describeSyntheticInput);

/** The first guess the model runs, and what failed before it, as the validation job would find them. */
async function firstThatRuns(bytes: Uint8Array): Promise<{ ran: string | undefined; failed: string[] }> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes));
  try {
    const signature = signatureOfSession(session);
    const failed: string[] = [];
    for (const guess of syntheticInputs(signature)) {
      try {
        await session.run(syntheticFeeds(signature, guess));
        return { ran: describeSyntheticInput(guess), failed };
      } catch {
        failed.push(describeSyntheticInput(guess));
      }
    }
    return { ran: undefined, failed };
  } finally {
    await session.release();
  }
}

describe('syntheticInputs', () => {
  it('tries a dynamic batch at 1, 16 and 512, zeros only for float inputs', () => {
    expect(described(signatureOf(spec('x', 'FP32', [-1, 4])))).toEqual(['x [1, 4] (zeros)', 'x [16, 4] (zeros)', 'x [512, 4] (zeros)']);
  });

  it('keeps the batch at 1 before growing it with the other open axes', () => {
    expect(described(signatureOf(spec('x', 'FP32', [-1, 1, -1])))).toEqual([
      'x [1, 1, 1] (zeros)',
      'x [1, 1, 16] (zeros)',
      'x [16, 1, 16] (zeros)',
      'x [1, 1, 512] (zeros)',
      'x [512, 1, 512] (zeros)',
    ]);
  });

  it('tries ones after zeros when an input is not float, and resolves every input alike', () => {
    expect(described(signatureOf(spec('ids', 'INT64', [-1]), spec('scale', 'FP32', [])))).toEqual([
      'ids [1], scale [] (zeros)',
      'ids [1], scale [] (ones)',
      'ids [16], scale [] (zeros)',
      'ids [16], scale [] (ones)',
      'ids [512], scale [] (zeros)',
      'ids [512], scale [] (ones)',
    ]);
  });

  it('has one guess for fixed shapes and none past the element bound', () => {
    expect(described(signatureOf(spec('x', 'FP32', [2, 3])))).toEqual(['x [2, 3] (zeros)']);
    // [1, 3, 512, 512] is 786,432 values; [512, 3, 512, 512] is past SYNTHETIC_MAX_ELEMENTS.
    const image = syntheticInputs(signatureOf(spec('image', 'FP32', [-1, 3, -1, -1])));
    expect(image.map(describeSyntheticInput)).toEqual([
      'image [1, 3, 1, 1] (zeros)',
      'image [1, 3, 16, 16] (zeros)',
      'image [16, 3, 16, 16] (zeros)',
      'image [1, 3, 512, 512] (zeros)',
    ]);
    for (const guess of image) expect(guess.shapes.image.reduce((a, b) => a * b, 1)).toBeLessThanOrEqual(SYNTHETIC_MAX_ELEMENTS);
  });
});

describe('syntheticFeeds', () => {
  it('fills each datatype with zeros, then integers with 1, booleans with true and strings with "a"', () => {
    const signature = signatureOf(
      spec('f', 'FP32', [-1, 2]),
      spec('i', 'INT64', [-1]),
      spec('b', 'BOOL', [-1]),
      spec('text', 'BYTES', [-1]),
      spec('half', 'FP16', [2]),
      spec('big', 'UINT64', [1]),
      spec('n', 'INT32', [-1]),
    );
    const [zeros, ones] = syntheticInputs(signature);
    const zeroFeeds = syntheticFeeds(signature, zeros);
    expect(zeroFeeds.f).toMatchObject({ type: 'float32', dims: [1, 2], data: new Float32Array(2) });
    expect(zeroFeeds.i).toMatchObject({ type: 'int64', dims: [1], data: BigInt64Array.of(0n) });
    expect(zeroFeeds.b).toMatchObject({ type: 'bool', dims: [1], data: Uint8Array.of(0) });
    expect(zeroFeeds.text).toMatchObject({ type: 'string', dims: [1], data: [''] });
    expect(zeroFeeds.half).toMatchObject({ type: 'float16', dims: [2], data: new Uint16Array(2) });
    expect(zeroFeeds.big).toMatchObject({ type: 'uint64', dims: [1], data: BigUint64Array.of(0n) });

    const oneFeeds = syntheticFeeds(signature, ones);
    expect(oneFeeds.f).toMatchObject({ type: 'float32', data: new Float32Array(2) });
    expect(oneFeeds.i).toMatchObject({ data: BigInt64Array.of(1n) });
    expect(oneFeeds.b).toMatchObject({ data: Uint8Array.of(1) });
    expect(oneFeeds.text).toMatchObject({ data: ['a'] });
    expect(oneFeeds.big).toMatchObject({ data: BigUint64Array.of(1n) });
    expect(oneFeeds.n).toMatchObject({ type: 'int32', data: Int32Array.of(1) });
  });

  it('refuses a datatype onnxruntime cannot feed', () => {
    const signature = signatureOf(spec('x', 'BF16', [1]));
    expect(() => syntheticFeeds(signature, syntheticInputs(signature)[0])).toThrow(UnsupportedDatatypeError);
  });
});

describe('the size ladder against real models', () => {
  it('runs an MLP and the multi-type model at the first guess', async () => {
    expect(await firstThatRuns(buildMlp({ layers: [4, 8, 3] }))).toEqual({ ran: 'input [1, 4] (zeros)', failed: [] });
    expect((await firstThatRuns(buildMultiTypeModel())).failed).toEqual([]);
  });

  it.each([
    ['a reflect Pad of 2 over a dynamic length', buildReflectPad(2), 'x [1, 16] (zeros)'],
    ['a Conv with kernel 3 over a dynamic length', buildMovingSum(3), 'x [1, 1, 16] (zeros)'],
    ['a Reshape of a dynamic length to [-1, 4]', buildRowsOf(4), 'x [16] (zeros)'],
  ])('runs %s once the length grows past 1', async (_case, bytes, ran) => {
    const found = await firstThatRuns(bytes);
    expect(found.ran).toBe(ran);
    expect(found.failed.length).toBeGreaterThan(0);
  });

  it('finds nothing for a model no input fits', async () => {
    expect(await firstThatRuns(buildReshapeThatNeverFits())).toEqual({
      ran: undefined,
      failed: ['x [1, 4] (zeros)', 'x [16, 4] (zeros)', 'x [512, 4] (zeros)'],
    });
  });
});
