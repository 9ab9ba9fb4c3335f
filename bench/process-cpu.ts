import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { combine, type LoadOutcome, type LoadSpec, runLoads } from './load';

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // utime and stime are fields 14 and 15; the command name before them may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** A process's CPU seconds, or undefined once it has exited. */
function cpuSecondsIfRunning(pid: number): number | undefined {
  try {
    return cpuSeconds(pid);
  } catch {
    return undefined;
  }
}

/**
 * The processes whose command name (`/proc/<pid>/comm`) is one of `names`: the PostgreSQL and Redis
 * servers the system under test shares the cores with, which the bench did not start.
 */
export function pidsNamed(names: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) pids.push(Number(entry));
    } catch {
      // exited while listed
    }
  }
  return pids;
}

/** A process and every process below it (a node:cluster primary and its workers), from /proc's parent ids. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // exited while listed
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]) ?? []));
  return tree;
}

/**
 * The processes beside a gateway on the same cores whose work the prediction log causes: the worker
 * ingesting it, and the PostgreSQL and Redis servers (every process of theirs on the machine).
 */
export function ingestionProcesses(workerPid: number | undefined): Record<string, () => number[]> {
  return {
    worker: () => (workerPid === undefined ? [] : [workerPid]),
    PostgreSQL: () => pidsNamed(['postgres']),
    Redis: () => pidsNamed(['redis-server']),
  };
}

/**
 * CPU seconds of a group of processes since `mark()`: those listed then, over the time since, and
 * those started since (a PostgreSQL backend for a new pool connection), over their whole life. A
 * process that exits in between counts only up to the mark.
 */
class GroupCpu {
  private readonly start = new Map<number, number>();

  constructor(private readonly pids: () => number[]) {}

  mark(): void {
    for (const pid of this.pids()) {
      const seconds = cpuSecondsIfRunning(pid);
      if (seconds !== undefined) this.start.set(pid, seconds);
    }
  }

  secondsSinceMark(): number {
    let total = 0;
    for (const [pid, before] of this.start) total += (cpuSecondsIfRunning(pid) ?? before) - before;
    for (const pid of this.pids()) if (!this.start.has(pid)) total += cpuSecondsIfRunning(pid) ?? 0;
    return total;
  }
}

/**
 * One load run on a gateway, with the gateway's own CPU time per response over the measured part:
 * unlike req/s, it does not depend on what else (the worker, PostgreSQL, the load generator) took
 * the cores meanwhile, so two gateways' costs per request compare on a shared machine. `beside`
 * names other processes on the same cores (the worker, PostgreSQL, Redis), whose CPU time over the
 * same part is reported per gateway response too.
 */
export async function loadWithCpu(
  spec: LoadSpec,
  pid: number,
  onMeasuring?: () => void,
  beside: Record<string, () => number[]> = {},
): Promise<{ outcome: LoadOutcome; cpuUsPerRequest: number; besideCpuUsPerRequest: Record<string, number> }> {
  const groups = Object.entries(beside).map(([name, pids]) => [name, new GroupCpu(pids)] as const);
  const [{ outcome, cpuUsPerRequest }] = await loadsWithCpu([{ spec, pid }], () => {
    for (const [, group] of groups) group.mark();
    onMeasuring?.();
  });
  return {
    outcome,
    cpuUsPerRequest,
    besideCpuUsPerRequest: Object.fromEntries(groups.map(([name, group]) => [name, perResponse(outcome, group.secondsSinceMark())])),
  };
}

/**
 * Several loads at once on one server of several processes (a node:cluster primary and its workers):
 * the server's CPU time, every process of its tree, from the first load's measured part to the end,
 * per response of the loads together, and the same for the processes `beside`.
 */
export async function loadsOnOneServer(
  label: string,
  specs: LoadSpec[],
  rootPid: number,
  beside: Record<string, () => number[]> = {},
): Promise<{ outcomes: LoadOutcome[]; combined: LoadOutcome; cpuUsPerRequest: number; besideCpuUsPerRequest: Record<string, number> }> {
  const server = new GroupCpu(() => processTree(rootPid));
  const groups = Object.entries(beside).map(([name, pids]) => [name, new GroupCpu(pids)] as const);
  let marked = false;
  const outcomes = await runLoads(specs, {
    onMeasuring: () => {
      if (marked) return;
      marked = true;
      server.mark();
      for (const [, group] of groups) group.mark();
    },
  });
  const combined = combine(label, outcomes);
  return {
    outcomes,
    combined,
    cpuUsPerRequest: perResponse(combined, server.secondsSinceMark()),
    besideCpuUsPerRequest: Object.fromEntries(groups.map(([name, group]) => [name, perResponse(combined, group.secondsSinceMark())])),
  };
}

/**
 * Loads on several gateways at once (runLoads: they start together), each with its gateway's own CPU
 * time per response over its measured part. Labels must differ: they tell the runs apart.
 */
export async function loadsWithCpu(
  runs: Array<{ spec: LoadSpec; pid: number }>,
  onMeasuring?: (label: string) => void,
): Promise<Array<{ outcome: LoadOutcome; cpuUsPerRequest: number }>> {
  const cpuAtStart = new Map<string, number>();
  const outcomes = await runLoads(
    runs.map((run) => run.spec),
    {
      onMeasuring: (label) => {
        const run = runs.find((r) => r.spec.label === label)!;
        cpuAtStart.set(label, cpuSeconds(run.pid));
        onMeasuring?.(label);
      },
    },
  );
  return outcomes.map((outcome, i) => ({ outcome, cpuUsPerRequest: perResponse(outcome, cpuSeconds(runs[i].pid) - cpuAtStart.get(runs[i].spec.label)!) }));
}

/**
 * How a single-process server's event loop (its main thread) spent a stretch of wall time: on a core, or
 * runnable and waiting for one, from the first two fields of `/proc/<pid>/task/<pid>/schedstat`; and how
 * much CPU the process's other threads (inference threads, the garbage collector's helpers) used
 * meanwhile, in cores. A p99 on shared cores is mostly the event loop's waits: this says whether it
 * waited for a core or had nothing to do. The kernel brings a running thread's time up to date at each
 * scheduler tick, so each end may lag by a few milliseconds: nothing over a run of seconds.
 */
export interface EventLoopShares {
  ran: number;
  waited: number;
  otherThreadsCores: number;
}

interface ScheduleSnapshot {
  atNs: bigint;
  runNs: number;
  waitNs: number;
  processCpuS: number;
}

function scheduleSnapshot(pid: number): ScheduleSnapshot | undefined {
  try {
    const [runNs, waitNs] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { atNs: process.hrtime.bigint(), runNs, waitNs, processCpuS: cpuSeconds(pid) };
  } catch {
    // The process has exited, or the kernel keeps no schedstat (built without CONFIG_SCHED_INFO).
    return undefined;
  }
}

/** EventLoopShares of one process between `mark()` and `sinceMark()`; undefined where /proc cannot tell. */
export class EventLoopSchedule {
  private start: ScheduleSnapshot | undefined;

  constructor(private readonly pid: number) {}

  mark(): void {
    this.start = scheduleSnapshot(this.pid);
  }

  sinceMark(): EventLoopShares | undefined {
    const end = scheduleSnapshot(this.pid);
    if (!this.start || !end) return undefined;
    const wallNs = Number(end.atNs - this.start.atNs);
    if (wallNs <= 0) return undefined;
    const ranNs = end.runNs - this.start.runNs;
    return {
      ran: ranNs / wallNs,
      waited: (end.waitNs - this.start.waitNs) / wallNs,
      otherThreadsCores: Math.max(0, (end.processCpuS - this.start.processCpuS) * 1e9 - ranNs) / wallNs,
    };
  }
}

/** The load generator's own CPU time over a run (LoadOutcome.load_cpu_s), in µs per response. */
export function loadCpuUsPerResponse(outcome: LoadOutcome): number {
  return perResponse(outcome, outcome.load_cpu_s);
}

/** CPU seconds spent over a run, in µs per response it answered. */
function perResponse(outcome: LoadOutcome, seconds: number): number {
  const responses = outcome.ok + outcome.non2xx;
  return responses > 0 ? (seconds * 1e6) / responses : NaN;
}
