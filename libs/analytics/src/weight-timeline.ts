import { sampleRatioMismatch, type SampleRatioMismatch } from '@switchyard/statistics';

export const MINUTE_MS = 60_000;

/** Who served in which role, and the challenger's share, from one moment on. */
export interface DeploymentPhase {
  /** When this state came into force (the audit entry's time). */
  from: Date;
  champion: number | null;
  challenger: number | null;
  /** 0–100. */
  challenger_percent: number;
}

/**
 * The deployments in force over a window, oldest first: the first phase is the state at the window's
 * start (its `from` may lie before it), each later one an audited change. Built from the audit log, the
 * same history `GET /v1/models/{name}/deployment?at=` reads.
 */
export type WeightTimeline = DeploymentPhase[];

/** Requests per role in one rollup minute (summed over versions or restricted to some, as the caller chose). */
export interface MinuteSplit {
  minute: Date;
  champion: number;
  challenger: number;
}

export interface TimeRange {
  from: Date;
  to: Date;
}

/** The phases that overlap [start, end), each with the milliseconds it covers there. */
function overlaps(timeline: WeightTimeline, start: number, end: number): Array<{ phase: DeploymentPhase; ms: number }> {
  const result: Array<{ phase: DeploymentPhase; ms: number }> = [];
  for (let i = 0; i < timeline.length; i++) {
    const phaseStart = Math.max(start, i === 0 ? -Infinity : timeline[i].from.getTime());
    const phaseEnd = Math.min(end, i + 1 < timeline.length ? timeline[i + 1].from.getTime() : Infinity);
    if (phaseEnd > phaseStart) result.push({ phase: timeline[i], ms: phaseEnd - phaseStart });
  }
  return result;
}

/**
 * The challenger's share (0–1) in force over one minute, averaged over the time each weight held
 * within it: rollups are per minute, so a change at 12:00:30 makes 12:00 a half-and-half minute.
 */
export function challengerShareInMinute(timeline: WeightTimeline, minute: Date): number {
  if (timeline.length === 0) throw new RangeError('the weight timeline is empty');
  const start = minute.getTime();
  return overlaps(timeline, start, start + MINUTE_MS).reduce((share, { phase, ms }) => share + ((phase.challenger_percent / 100) * ms) / MINUTE_MS, 0);
}

/**
 * Expected requests per role over the minutes observed: each minute's observed total times the share in
 * force in that minute, summed. Comparing the whole window's split with the weights in force now is
 * wrong as soon as a weight changes or a version is promoted inside the window.
 */
export function expectedSplit(timeline: WeightTimeline, minutes: MinuteSplit[]): [number, number] {
  let champion = 0;
  let challenger = 0;
  for (const minute of minutes) {
    const total = minute.champion + minute.challenger;
    if (total === 0) continue;
    const share = challengerShareInMinute(timeline, minute.minute);
    challenger += total * share;
    champion += total * (1 - share);
  }
  return [champion, challenger];
}

/**
 * Sample ratio check over a weight timeline: Pearson's chi-square of the observed champion/challenger
 * requests against the expected counts of expectedSplit (sampleRatioMismatch normalises its weights to
 * the observed total, and the expected counts already sum to it, so they serve as the weights).
 */
export function sampleRatioOverTimeline(timeline: WeightTimeline, minutes: MinuteSplit[], alpha?: number): SampleRatioMismatch | null {
  const observed: [number, number] = [0, 0];
  for (const minute of minutes) {
    observed[0] += minute.champion;
    observed[1] += minute.challenger;
  }
  return sampleRatioMismatch(observed, expectedSplit(timeline, minutes), alpha);
}

/**
 * The minutes of [from, to) (those that start inside it, as rollups count them) when `champion` was
 * champion, `challenger` was challenger and the challenger had a share above 0, merged into ranges.
 * Traffic outside them — before a promotion, when "champion" was another version, or while the
 * challenger was held at 0 % — says nothing about these two versions against each other.
 *
 * `during: 'any'` counts a minute in which that held at any moment: rollups carry the version, so the
 * rows of these two versions in a minute of change are still theirs. `during: 'whole'` counts only the
 * minutes in which it held throughout: a per-minute rollup cannot say how its requests fell on either
 * side of a change, so only those minutes can be weighed by the sample ratio check.
 */
export function bothLiveRanges(timeline: WeightTimeline, window: TimeRange, champion: number, challenger: number, during: 'any' | 'whole'): TimeRange[] {
  const ranges: TimeRange[] = [];
  const first = Math.ceil(window.from.getTime() / MINUTE_MS) * MINUTE_MS;
  const isLive = (phase: DeploymentPhase) => phase.champion === champion && phase.challenger === challenger && phase.challenger_percent > 0;
  for (let start = first; start < window.to.getTime(); start += MINUTE_MS) {
    const phases = overlaps(timeline, start, start + MINUTE_MS);
    const live = during === 'whole' ? phases.every(({ phase }) => isLive(phase)) : phases.some(({ phase }) => isLive(phase));
    if (!live) continue;
    const last = ranges[ranges.length - 1];
    if (last && last.to.getTime() === start) last.to = new Date(start + MINUTE_MS);
    else ranges.push({ from: new Date(start), to: new Date(start + MINUTE_MS) });
  }
  return ranges;
}
