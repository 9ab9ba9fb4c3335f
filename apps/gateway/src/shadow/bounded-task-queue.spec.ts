import { waitFor } from '../../../../test/support/unit';
import { BoundedTaskQueue } from './bounded-task-queue';

/** A task that runs until released, recording that it started. */
function gate(started: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { task: () => (started.push(name), done), release: () => release() };
}

describe('BoundedTaskQueue', () => {
  it('runs at most `concurrency` tasks at once and the rest in order as slots free up', async () => {
    const queue = new BoundedTaskQueue(10, 2);
    const started: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map((name) => gate(started, name));
    for (const g of gates) expect(queue.offer(g.task)).toBe(true);
    await waitFor(() => started.length === 2, 'started.length === 2');
    expect(started).toEqual(['a', 'b']);
    expect(queue.length).toBe(2);
    gates[1].release();
    await waitFor(() => started.length === 3, 'started.length === 3');
    expect(started).toEqual(['a', 'b', 'c']);
    gates[0].release();
    gates[2].release();
    gates[3].release();
    await waitFor(() => started.length === 4 && queue.active === 0, 'started.length === 4 && queue.active === 0');
    expect(queue.length).toBe(0);
  });

  it('refuses a task when the queue is full, and takes tasks again once it drains', async () => {
    const queue = new BoundedTaskQueue(2, 1);
    const started: string[] = [];
    const first = gate(started, 'first');
    expect(queue.offer(first.task)).toBe(true);
    await waitFor(() => started.length === 1, 'started.length === 1');
    const waiting = [gate(started, 'w1'), gate(started, 'w2')];
    expect(waiting.map((g) => queue.offer(g.task))).toEqual([true, true]);
    expect(queue.offer(gate(started, 'refused').task)).toBe(false);
    first.release();
    waiting.forEach((g) => g.release());
    await waitFor(() => queue.active === 0, 'queue.active === 0');
    expect(started).toEqual(['first', 'w1', 'w2']);
    expect(queue.offer(async () => void started.push('later'))).toBe(true);
    await waitFor(() => started.includes('later'), "started.includes('later')");
  });

  it('starts nothing synchronously: a task offered now runs after the current turn of the event loop', async () => {
    const queue = new BoundedTaskQueue(1, 1);
    let ran = false;
    queue.offer(async () => void (ran = true));
    await Promise.resolve();
    expect(ran).toBe(false);
    await waitFor(() => ran, 'ran');
  });

  it('survives a task that throws and keeps running the next', async () => {
    const queue = new BoundedTaskQueue(5, 1);
    const ran: string[] = [];
    queue.offer(() => Promise.reject(new Error('boom')));
    queue.offer(async () => void ran.push('next'));
    await waitFor(() => ran.length === 1 && queue.active === 0, 'ran.length === 1 && queue.active === 0');
  });

  it('refuses everything once closed and reports what it forgot', async () => {
    const queue = new BoundedTaskQueue(5, 1);
    const started: string[] = [];
    const first = gate(started, 'first');
    queue.offer(first.task);
    await waitFor(() => started.length === 1, 'started.length === 1');
    queue.offer(async () => void started.push('never'));
    expect(queue.close()).toBe(1);
    expect(queue.offer(async () => undefined)).toBe(false);
    first.release();
    await waitFor(() => queue.active === 0, 'queue.active === 0');
    expect(started).toEqual(['first']);
  });
});
