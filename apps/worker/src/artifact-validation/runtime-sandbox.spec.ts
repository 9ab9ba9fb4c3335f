import * as ort from 'onnxruntime-node';
import type { TypedConfig } from '@switchyard/config';
import { buildAffine } from '@switchyard/onnx/testing';
import { RuntimeSandbox } from './runtime-sandbox';

// Constructed here, under Jest, from the TypeScript source: the child runs sandbox-child.ts as
// `npm run build` compiled it (programPath), under the same limits as in the worker.
describe('RuntimeSandbox', () => {
  let sandbox: RuntimeSandbox;

  beforeAll(() => {
    const settings = { VALIDATION_TIMEOUT_MS: 60_000, VALIDATION_MEMORY_LIMIT_MB: 2048 } as const;
    sandbox = new RuntimeSandbox({ get: (key: keyof typeof settings) => settings[key] } as unknown as TypedConfig);
  });

  afterAll(() => sandbox.onApplicationShutdown());

  it("loads a model in a child, reports its signature and runs it on the inputs it is sent", async () => {
    const load = await sandbox.open(Buffer.from(buildAffine({ scale: 2, bias: 1, features: 3 })));
    if (!load.ok) throw load.error;
    try {
      expect(load.model.signature.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 3] }]);
      const run = await load.model.run({ x: new ort.Tensor('float32', new Float32Array(6), [2, 3]) }, 'zeros');
      expect(run).toEqual({ ok: true, inferenceMs: expect.any(Number) });
      const wrong = await load.model.run({ x: new ort.Tensor('float32', new Float32Array(2), [1, 2]) }, 'a short row');
      expect(wrong).toEqual({ ok: false, error: expect.objectContaining({ message: expect.stringMatching(/dimension/i) }), fatal: false });
    } finally {
      load.model.close();
    }
  });

  it("reports the runtime's message when the bytes are not a model", async () => {
    const load = await sandbox.open(Buffer.from('not a model'));
    expect(load).toEqual({ ok: false, error: expect.objectContaining({ message: expect.stringMatching(/protobuf parsing failed/i) }) });
  });
});
