import { ms, round, round1 } from './figures';
import type { LoadOutcome } from './load';

/** What a scenario records: its table rows, the targets it checked, and what failed. */

export type Verdict = 'PASS' | 'FAIL' | 'n/a' | 'ERROR';

export interface Check {
  what: string;
  value: number | null;
  op: '>=' | '<=';
  limit: number;
  pass: boolean | null;
}

export interface Row {
  id: string;
  scenario: string;
  figure: string;
  p50: string;
  p99: string;
  non2xx: string;
  errors: string;
  /** The server process's own CPU time per response (user + system, µs) over the measured run; '' where not measured. */
  cpu: string;
  ratio: string;
  target: string;
  verdict: Verdict;
}

export interface ScenarioRecord {
  id: number;
  name: string;
  rows: Row[];
  checks: Check[];
  verdict: Verdict;
  /** Requests the system under test should have served and did not. */
  failures: string[];
  notes: string[];
  runs: Record<string, unknown>;
  extra: Record<string, unknown>;
  error?: string;
}

export function check(what: string, value: number | null, op: '>=' | '<=', limit: number): Check {
  const pass = value === null || !Number.isFinite(value) ? null : op === '>=' ? value >= limit : value <= limit;
  return { what, value: value === null || !Number.isFinite(value) ? null : Number(value.toFixed(3)), op, limit, pass };
}

export function verdictOf(checks: Check[]): Verdict {
  if (checks.length === 0) return 'n/a';
  if (checks.some((c) => c.pass === false)) return 'FAIL';
  if (checks.some((c) => c.pass === null)) return 'n/a';
  return 'PASS';
}

export function loadRow(id: string, scenario: string, outcome: LoadOutcome, extra: Partial<Row> = {}): Row {
  return {
    id,
    scenario,
    figure: round(outcome.rps),
    p50: ms(outcome.latency.p50_ms),
    p99: ms(outcome.latency.p99_ms),
    non2xx: String(outcome.non2xx),
    errors: String(outcome.errors),
    cpu: '',
    ratio: '',
    target: '',
    verdict: 'n/a',
    ...extra,
  };
}

export function withoutHistogram(outcome: LoadOutcome): Omit<LoadOutcome, 'histogram'> {
  const { histogram: _histogram, ...rest } = outcome;
  return rest;
}

/** The requests a run saw fail: non-2xx answers and errors (connection errors, timeouts). */
export function failedRequests(outcome: LoadOutcome, where: string): string[] {
  const problems: string[] = [];
  if (outcome.non2xx > 0) problems.push(`${where}: ${outcome.non2xx} non-2xx (${JSON.stringify(outcome.status_codes)})`);
  if (outcome.errors > 0) problems.push(`${where}: ${outcome.errors} errors (${outcome.timeouts} timeouts)`);
  return problems;
}

/** {@link failedRequests}, and a run that got no answer at all (a load that never reached the server). */
export function servedEverything(outcome: LoadOutcome, where: string): string[] {
  const problems = failedRequests(outcome, where);
  if (outcome.ok === 0) problems.push(`${where}: no request was served`);
  return problems;
}

/** The CPU µs/resp cell: one decimal, or '' when the run had no responses to divide by. */
export function cpuCell(cpuUsPerRequest: number): string {
  return Number.isFinite(cpuUsPerRequest) ? String(round1(cpuUsPerRequest)) : '';
}
