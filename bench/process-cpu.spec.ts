import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { EventLoopSchedule, processTree } from './process-cpu';

describe('processTree', () => {
  it('holds a process and the processes below it, not its parent', async () => {
    // A child that starts a grandchild and waits: the tree of this process holds both.
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    let below: number[] = [];
    try {
      const deadline = Date.now() + 10_000;
      while (below.length === 0 && Date.now() < deadline) {
        below = processTree(child.pid!).filter((pid) => pid !== child.pid);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(below).toHaveLength(1);
      const tree = processTree(process.pid);
      expect(tree[0]).toBe(process.pid);
      expect(tree).toEqual(expect.arrayContaining([child.pid, ...below]));
      expect(tree).not.toContain(process.ppid);
    } finally {
      // The grandchild first: the shell's `wait` then returns, it reaps the grandchild and exits.
      const exited = once(child, 'exit');
      for (const pid of below) process.kill(pid, 'SIGKILL');
      if (below.length === 0) child.kill('SIGKILL');
      await exited;
    }
  });
});

describe('EventLoopSchedule', () => {
  it('sees the main thread of this process run while it computes and neither run nor wait while it sleeps', async () => {
    const schedule = new EventLoopSchedule(process.pid);
    schedule.mark();
    // 200 ms of CPU on the main thread by the process's own meter, then 300 ms asleep.
    const start = process.cpuUsage();
    let spin = 0;
    while (process.cpuUsage(start).user + process.cpuUsage(start).system < 200_000) spin += Math.sqrt(spin + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const shares = schedule.sinceMark();
    expect(spin).toBeGreaterThan(0);
    expect(shares).toBeDefined();
    expect(shares!.ran).toBeGreaterThan(0);
    expect(shares!.waited).toBeGreaterThanOrEqual(0);
    // The kernel's run time lags by up to a scheduler tick; the sleep keeps the sum well under the wall time.
    expect(shares!.ran + shares!.waited).toBeLessThan(1);
    expect(shares!.otherThreadsCores).toBeGreaterThanOrEqual(0);
  });

  it('tells nothing for a process that has exited', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    const schedule = new EventLoopSchedule(child.pid!);
    await once(child, 'exit');
    // Reaped: its /proc entry is gone whether or not the mark saw it.
    await new Promise((resolve) => setImmediate(resolve));
    schedule.mark();
    expect(schedule.sinceMark()).toBeUndefined();
  });
});
