import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type LoadOutcome, type LoadSpec, runLoads } from './load';

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // utime and stime are fields 14 and 15; the command name before them may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * One load run on a gateway, with the gateway's own CPU time per response over the measured part:
 * unlike req/s, it does not depend on what else (the worker, PostgreSQL, the load generator) took
 * the cores meanwhile, so two gateways' costs per request compare on a shared machine.
 */
export async function loadWithCpu(spec: LoadSpec, pid: number, onMeasuring?: () => void): Promise<{ outcome: LoadOutcome; cpuUsPerRequest: number }> {
  let cpuAtStart = 0;
  const [outcome] = await runLoads([spec], {
    onMeasuring: () => {
      cpuAtStart = cpuSeconds(pid);
      onMeasuring?.();
    },
  });
  const responses = outcome.ok + outcome.non2xx;
  return { outcome, cpuUsPerRequest: responses > 0 ? ((cpuSeconds(pid) - cpuAtStart) * 1e6) / responses : NaN };
}
