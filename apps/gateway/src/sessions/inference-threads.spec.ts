import { readdirSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { TypedConfig } from '@switchyard/config';
import { MetricsRegistry } from '@switchyard/http';
import { buildAffine } from '@switchyard/onnx/testing';
import { INFERENCE_THREAD_NICE } from './inference-thread-protocol';
import { InferenceThreads } from './inference-threads';

/** The nice value of each thread of this process, from /proc (field 19 of a task's stat). */
function niceByThread(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const task of readdirSync('/proc/self/task')) {
    const fields = readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1].split(' ');
    nice.set(Number(task), Number(fields[16]));
  }
  return nice;
}

// Constructed here, under Jest, from the TypeScript source: the thread itself runs inference-thread.ts
// as `npm run build` compiled it (programPath).
describe('InferenceThreads', () => {
  let threads: InferenceThreads;

  beforeAll(() => {
    const settings = { GATEWAY_OFFLOAD_ABOVE_MS: 0, GATEWAY_INFERENCE_THREADS: 2 } as const;
    const config = { get: (key: keyof typeof settings) => settings[key] } as unknown as TypedConfig;
    threads = new InferenceThreads(config, new MetricsRegistry());
  });

  afterAll(() => threads.onApplicationShutdown());

  it('runs a version in its threads and hands the outputs back as tensors', async () => {
    const runner = await threads.load('a'.repeat(64), Buffer.from(buildAffine({ scale: 2, bias: 1, features: 2 })));
    const outputs = await runner.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [2, 2]) });
    expect(outputs.y.dims).toEqual([2, 2]);
    expect(Array.from(outputs.y.data as Float32Array)).toEqual([3, 5, 7, 9]);
    await runner.release();
  });

  it('runs its threads below the priority of the event loop, which keeps its own', async () => {
    const before = niceByThread();
    const runner = await threads.load('c'.repeat(64), Buffer.from(buildAffine({ scale: 1, bias: 0, features: 2 })));
    const after = niceByThread();
    const own = after.get(process.pid)!;
    expect(own).toBe(before.get(process.pid));
    const lowered = [...after.values()].filter((nice) => nice === Math.min(19, own + INFERENCE_THREAD_NICE));
    // Both inference threads (GATEWAY_INFERENCE_THREADS: 2); onnxruntime starts none of its own.
    expect(lowered.length).toBeGreaterThanOrEqual(2);
    await runner.release();
  });

  it("rejects a run with the runtime's message when the inputs do not fit", async () => {
    const runner = await threads.load('b'.repeat(64), Buffer.from(buildAffine({ scale: 1, bias: 0, features: 2 })));
    await expect(runner.run({ z: new ort.Tensor('float32', Float32Array.of(1, 2), [1, 2]) })).rejects.toThrow(/input/i);
    await runner.release();
  });
});
