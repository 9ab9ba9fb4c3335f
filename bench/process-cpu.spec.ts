import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { processTree } from './process-cpu';

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
