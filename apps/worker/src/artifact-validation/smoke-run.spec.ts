import type * as ort from 'onnxruntime-node';
import type { ModelSignature } from '@switchyard/onnx';
import type { SandboxRun } from './runtime-sandbox';
import { ValidationLimitError } from './validation-limit-error';
import { type RunnableModel, smokeRun } from './smoke-run';

const SIGNATURE: ModelSignature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [] };

/** A model that answers each run from a script, recording the shapes it was run on. */
function scripted(answers: SandboxRun[]): RunnableModel & { ran: string[] } {
  const ran: string[] = [];
  return {
    signature: SIGNATURE,
    ran,
    run(feeds: Record<string, ort.Tensor>, what: string) {
      ran.push(`${what} ${JSON.stringify(feeds.x.dims)}`);
      return Promise.resolve(answers.shift() ?? { ok: false, error: new Error('unscripted'), fatal: false });
    },
  };
}

const failed = (message: string): SandboxRun => ({ ok: false, error: new Error(message), fatal: false });

describe('smokeRun', () => {
  it('stops at the first synthetic input that runs', async () => {
    const model = scripted([failed('too short'), { ok: true, inferenceMs: 2 }]);
    expect(await smokeRun(model, undefined)).toEqual({ kind: 'ran', input: 'x [16, 4] (zeros)', inferenceMs: 2 });
    expect(model.ran).toEqual(['x [1, 4] (zeros) [1,4]', 'x [16, 4] (zeros) [16,4]']);
  });

  it('fails at once when a limit is met, without trying larger inputs', async () => {
    const limit = new ValidationLimitError('the model needs more memory than validation allows (VALIDATION_MEMORY_LIMIT_MB=256): bad_alloc');
    const model = scripted([{ ok: false, error: limit, fatal: true }]);
    expect(await smokeRun(model, undefined)).toEqual({ kind: 'failed', reason: limit.message, error: limit });
    expect(model.ran).toHaveLength(1);
  });

  it('warns, grouping the inputs that failed alike, when no synthetic input runs', async () => {
    const outcome = await smokeRun(scripted([failed('A'), failed('A'), failed('B')]), undefined);
    expect(outcome).toEqual({
      kind: 'unchecked',
      warnings: [
        expect.stringContaining('none of 3 synthetic inputs ran'),
        'x [1, 4] (zeros); x [16, 4] (zeros): A',
        'x [512, 4] (zeros): B',
        expect.stringContaining('metadata.input_example'),
      ],
    });
  });

  it('runs only the example when there is one, and fails the version with its error', async () => {
    const model = scripted([failed('bad values')]);
    expect(await smokeRun(model, { instances: [[1, 2, 3, 4], [5, 6, 7, 8]] })).toMatchObject({
      kind: 'failed',
      reason: 'metadata.input_example (x [2, 4]) failed at inference: bad values',
    });
    expect(model.ran).toEqual(['metadata.input_example (x [2, 4]) [2,4]']);
    expect(await smokeRun(scripted([{ ok: true, inferenceMs: 1 }]), { inputs: { x: [[1, 2, 3, 4]] } })).toEqual({ kind: 'ran', input: 'input_example', inferenceMs: 1 });
  });

  it('fails an example that does not fit the signature without running it', async () => {
    const model = scripted([]);
    expect(await smokeRun(model, { inputs: { x: [[1, 2, 3]] } })).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/^metadata\.input_example does not fit the model's signature: metadata\.input_example\.inputs\.x: /),
    });
    expect(model.ran).toEqual([]);
  });
});
