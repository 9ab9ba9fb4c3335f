import * as ort from 'onnxruntime-node';
import { DynamicBatcher, isBatchable } from './dynamic-batcher';
import type { VersionRunner } from './version-runner';

/** Doubles its input and records the batch sizes it was called with. */
function doublingRunner(): VersionRunner & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    offloaded: false,
    release: async () => undefined,
    run: async (feeds) => {
      const x = feeds.x;
      batches.push(x.dims[0]);
      return { y: new ort.Tensor('float32', (x.data as Float32Array).map((v) => v * 2), x.dims) };
    },
  };
}

const row = (...values: number[]) => ({ x: new ort.Tensor('float32', Float32Array.from(values), [1, values.length]) });

describe('DynamicBatcher', () => {
  afterEach(() => jest.useRealTimers());

  it('gathers concurrent requests into one run and gives each its own rows back', async () => {
    const runner = doublingRunner();
    const batcher = new DynamicBatcher(runner, { max_batch_size: 8, max_delay_ms: 5 });
    const results = await Promise.all([batcher.run(row(1, 2)), batcher.run(row(3, 4)), batcher.run(row(5, 6))]);
    expect(runner.batches).toEqual([3]);
    expect(results.map((r) => Array.from(r.y.data as Float32Array))).toEqual([[2, 4], [6, 8], [10, 12]]);
    expect(results.map((r) => r.y.dims)).toEqual([[1, 2], [1, 2], [1, 2]]);
  });

  it('runs as soon as max_batch_size rows are waiting, without waiting for the delay', async () => {
    jest.useFakeTimers();
    const runner = doublingRunner();
    const batcher = new DynamicBatcher(runner, { max_batch_size: 2, max_delay_ms: 10_000 });
    const pending = Promise.all([batcher.run(row(1)), batcher.run(row(2)), batcher.run(row(3))]);
    expect(runner.batches).toEqual([2]);
    jest.advanceTimersByTime(10_000);
    await pending;
    expect(runner.batches).toEqual([2, 1]);
  });

  it('runs a lone request after max_delay_ms', async () => {
    jest.useFakeTimers();
    const runner = doublingRunner();
    const batcher = new DynamicBatcher(runner, { max_batch_size: 8, max_delay_ms: 3 });
    const pending = batcher.run(row(1));
    jest.advanceTimersByTime(2);
    expect(runner.batches).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(Array.from((await pending).y.data as Float32Array)).toEqual([2]);
  });

  it('with max_delay_ms 0 joins only what arrived in one turn of the event loop, and waits for no timer', async () => {
    const runner = doublingRunner();
    const batcher = new DynamicBatcher(runner, { max_batch_size: 8, max_delay_ms: 0 });
    // From a timer's callback, a timer set now fires in the event loop's next turn, after this turn's
    // immediates: a batch run from setTimeout(0) (Node's 1 ms) would come after it, set first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const timer = new Promise<string>((resolve) => setTimeout(() => resolve('timer'), 0));
    const together = Promise.all([batcher.run(row(1)), batcher.run(row(2))]).then(() => 'batch');
    expect(await Promise.race([together, timer])).toBe('batch');
    const later = await batcher.run(row(3));

    expect(runner.batches).toEqual([2, 1]);
    expect(Array.from(later.y.data as Float32Array)).toEqual([6]);
  });

  it('keeps requests of different trailing shapes apart, and lets a full batch run alone', async () => {
    const runner = doublingRunner();
    const batcher = new DynamicBatcher(runner, { max_batch_size: 4, max_delay_ms: 2 });
    const big = { x: new ort.Tensor('float32', new Float32Array(8), [4, 2]) };
    await Promise.all([batcher.run(row(1, 2)), batcher.run(row(1, 2, 3)), batcher.run(big)]);
    expect([...runner.batches].sort()).toEqual([1, 1, 4]);
  });

  it('fails every request of a batch whose run fails', async () => {
    const failing: VersionRunner = { offloaded: false, release: async () => undefined, run: async () => Promise.reject(new Error('boom')) };
    const batcher = new DynamicBatcher(failing, { max_batch_size: 4, max_delay_ms: 1 });
    const outcomes = await Promise.allSettled([batcher.run(row(1)), batcher.run(row(2))]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('says which signatures can be batched', () => {
    const spec = (shape: number[]) => ({ name: 'x', datatype: 'FP32', shape });
    expect(isBatchable({ inputs: [spec([-1, 4])], outputs: [spec([-1, 2])] })).toBe(true);
    expect(isBatchable({ inputs: [spec([1, 4])], outputs: [spec([-1, 2])] })).toBe(false);
    expect(isBatchable({ inputs: [spec([])], outputs: [spec([])] })).toBe(false);
    expect(isBatchable({ inputs: [spec([-1])], outputs: [spec([3])] })).toBe(false);
  });
});
