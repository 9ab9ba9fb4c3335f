import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { captured, stop } from '../test/support/processes';
import { waitFor } from '../test/support/unit';
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

/**
 * A Node process that, told `go` on its stdin, spends 200 ms of CPU on its main thread by its own
 * meter, then sleeps 300 ms and says `done`; it says `ready` first, and waits to be stopped. A process
 * of its own: a Jest worker's main thread also runs whatever earlier test files left on its loop.
 */
const SPIN_THEN_SLEEP = `
process.stdin.once('data', () => {
  const start = process.cpuUsage();
  let spin = 0;
  while (process.cpuUsage(start).user + process.cpuUsage(start).system < 200000) spin += Math.sqrt(spin + 1);
  setTimeout(() => process.stdout.write(spin > 0 ? 'done\\n' : 'no spin\\n'), 300);
});
process.stdout.write('ready\\n');
`;

describe('EventLoopSchedule', () => {
  it("sees a process's main thread run while it computes and neither run nor wait while it sleeps", async () => {
    const child = captured(spawn(process.execPath, ['-e', SPIN_THEN_SLEEP], { stdio: ['pipe', 'pipe', 'pipe'] }));
    try {
      await waitFor(() => child.output().includes('ready\n'), 'the child is ready');
      const schedule = new EventLoopSchedule(child.child.pid!);
      schedule.mark();
      child.child.stdin!.write('go\n');
      await waitFor(() => /done|no spin/.test(child.output()), 'the child has spun and slept');
      const shares = schedule.sinceMark();
      expect(child.output()).toBe('ready\ndone\n');
      expect(shares).toBeDefined();
      expect(shares!.ran).toBeGreaterThan(0);
      expect(shares!.waited).toBeGreaterThanOrEqual(0);
      // The kernel's run time lags by up to a scheduler tick; the sleep keeps the sum well under the wall time.
      expect(shares!.ran + shares!.waited).toBeLessThan(1);
      expect(shares!.otherThreadsCores).toBeGreaterThanOrEqual(0);
    } finally {
      await stop(child, 'SIGKILL');
    }
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
