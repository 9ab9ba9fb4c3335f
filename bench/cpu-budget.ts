import { ratio, round, round1, times } from './figures';

/**
 * What one response costs the whole machine when the server, its load generator and whatever the
 * server keeps busy beside it (the prediction log's ingestion) share the same cores, in CPU µs, and
 * the req/s those cores could give at that cost if nothing else limited them (`cores` fully used).
 * It says which limit a run met: a server whose one thread is saturated serves less than its ceiling.
 */
export interface CpuBudget {
  parts: Record<string, number>;
  total_us: number;
  ceiling_rps: number;
}

export function cpuBudget(parts: Record<string, number>, cores: number): CpuBudget {
  const total = Object.values(parts).reduce((sum, us) => sum + us, 0);
  return { parts, total_us: total, ceiling_rps: total > 0 ? (cores * 1e6) / total : NaN };
}

/** A run's budget beside the req/s it served. */
export interface BudgetedRun {
  name: string;
  budget: CpuBudget;
  rps: number;
}

/**
 * One line comparing runs' budgets with a baseline's: each sum, its ceiling and the share of it the
 * run served, then what a req/s target (`target` × the baseline's) allows per response at the
 * baseline's share of the cores, and what the first run took beyond the baseline.
 */
export function describeBudgets(cores: number, baseline: BudgetedRun, runs: BudgetedRun[], target: number): string {
  if (runs.length === 0) throw new Error('describeBudgets: no run to compare with the baseline');
  const us = (value: number) => String(round1(value));
  const sum = ({ budget, rps }: BudgetedRun) =>
    `${Object.values(budget.parts).map(us).join(' + ')} = ${us(budget.total_us)} µs (cores full: ${round(budget.ceiling_rps)} req/s; served ${times(ratio(rps, budget.ceiling_rps))} of it)`;
  const allowed = baseline.budget.total_us / target;
  const parts = Object.keys(runs[0].budget.parts).join(', ');
  return (
    `CPU per response of every process on these ${cores} cores (${parts}): ${baseline.name} ${sum(baseline)}; ` +
    `${runs.map((run) => `${run.name} ${sum(run)}`).join('; ')}. ` +
    `At the same share of the cores as ${baseline.name}, ${target}× its req/s needs at most ${us(allowed)} µs per response, ` +
    `${us(allowed - baseline.budget.total_us)} more than its; ${runs[0].name} took ${us(runs[0].budget.total_us - baseline.budget.total_us)} more`
  );
}
