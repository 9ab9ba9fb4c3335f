import { readdirSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { TypedConfig } from '@switchyard/config';
import { MetricsRegistry } from '@switchyard/http';
import { buildAffine, buildMlp } from '@switchyard/onnx/testing';
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

function inferenceThreads(count: number): InferenceThreads {
  const settings = { GATEWAY_OFFLOAD_ABOVE_MS: 0, GATEWAY_INFERENCE_THREADS: count } as const;
  const config = { get: (key: keyof typeof settings) => settings[key] } as unknown as TypedConfig;
  return new InferenceThreads(config, new MetricsRegistry());
}

// Constructed here, under Jest, from the TypeScript source: the thread itself runs inference-thread.ts
// as `npm run build` compiled it (programPath).
describe('InferenceThreads', () => {
  let threads: InferenceThreads;

  beforeAll(() => {
    threads = inferenceThreads(2);
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

describe('InferenceThreads shutting down', () => {
  it('lets a thread finish the load it is in, ends it, and refuses loads after', async () => {
    const threads = inferenceThreads(1);
    // ~20 MB of weights: loading takes tens to hundreds of milliseconds here.
    const bytes = Buffer.from(buildMlp({ layers: [512, 2048, 2048, 10], seed: 1 }));
    const started = performance.now();
    await (await threads.load('d'.repeat(64), bytes)).release();
    const loadMs = performance.now() - started;

    const loading = threads.load('e'.repeat(64), bytes).then(
      () => 'loaded',
      (error: Error) => error.message,
    );
    // Shut down about a third of a load in, to land while the thread is inside onnxruntime. Before,
    // shutdown terminated the thread from outside, and when the native load returned into it,
    // onnxruntime-node threw a C++ exception nothing could catch: this whole process aborted. The
    // delay only makes that moment likely; the outcome below holds wherever the shutdown lands.
    await new Promise((resolve) => setTimeout(resolve, loadMs / 3));
    await threads.onApplicationShutdown();
    // Either the load finished before the thread ended, or the thread ended before it began.
    expect(['loaded', 'inference thread exited with code 0']).toContain(await loading);
    await expect(threads.load('f'.repeat(64), bytes)).rejects.toThrow('the inference threads are closed: the gateway is shutting down');
  });
});
