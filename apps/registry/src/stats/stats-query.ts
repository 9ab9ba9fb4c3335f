import { DomainError, type FieldError } from '@switchyard/errors';

const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;
const MAX_RANGE_MS = 400 * DAY_MS;
/** The dashboard draws at most about this many points per variant. */
const TARGET_POINTS = 120;

export interface StatsWindow {
  from: Date;
  to: Date;
  reference: { from: Date; to: Date };
  stepSeconds: number;
}

export interface RawStatsQuery {
  from?: string;
  to?: string;
  reference_from?: string;
  reference_to?: string;
  step?: string;
}

function parseTime(field: string, value: string | undefined, problems: FieldError[]): Date | undefined {
  if (value === undefined) return undefined;
  if (!RFC_3339.test(value) || Number.isNaN(Date.parse(value))) {
    problems.push({ field, message: `"${value}" is not an RFC 3339 time; write e.g. 2026-11-24T09:00:00Z` });
    return undefined;
  }
  return new Date(value);
}

/**
 * The window of a stats question: [from, to), default the last 24 hours. Drift is measured against a
 * reference window, by default the one of the same length just before `from`. Rollups are per minute,
 * so a minute counts when it starts inside the window.
 */
export function parseStatsQuery(query: RawStatsQuery, now = new Date()): StatsWindow {
  const problems: FieldError[] = [];
  const to = parseTime('to', query.to, problems) ?? now;
  const from = parseTime('from', query.from, problems) ?? new Date(to.getTime() - DAY_MS);
  const referenceFrom = parseTime('reference_from', query.reference_from, problems);
  const referenceTo = parseTime('reference_to', query.reference_to, problems);
  if (problems.length === 0 && from >= to) problems.push({ field: 'from', message: `from (${from.toISOString()}) must be before to (${to.toISOString()})` });
  if (problems.length === 0 && to.getTime() - from.getTime() > MAX_RANGE_MS) problems.push({ field: 'from', message: 'the window may span at most 400 days' });
  if ((referenceFrom === undefined) !== (referenceTo === undefined) && problems.length === 0) {
    problems.push({ field: referenceFrom ? 'reference_to' : 'reference_from', message: 'give both reference_from and reference_to, or neither' });
  }
  if (referenceFrom && referenceTo && referenceFrom >= referenceTo) problems.push({ field: 'reference_from', message: 'reference_from must be before reference_to' });
  let stepSeconds = Math.max(60, Math.ceil((to.getTime() - from.getTime()) / 1_000 / TARGET_POINTS / 60) * 60);
  if (query.step !== undefined) {
    const step = Number(query.step);
    if (!/^\d+$/.test(query.step) || step < 60 || step % 60 !== 0 || step > 31 * 86_400) {
      problems.push({ field: 'step', message: 'step must be a whole number of minutes in seconds (60, 300, 3600, …), at most 31 days' });
    } else {
      stepSeconds = step;
    }
  }
  if (problems.length > 0) throw new DomainError('VALIDATION_FAILED', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { errors: problems });
  const length = to.getTime() - from.getTime();
  return {
    from,
    to,
    reference: referenceFrom && referenceTo ? { from: referenceFrom, to: referenceTo } : { from: new Date(from.getTime() - length), to: from },
    stepSeconds,
  };
}
