import { bothLiveRanges, challengerShareInMinute, expectedSplit, type MinuteSplit, sampleRatioOverTimeline, type WeightTimeline } from './weight-timeline';

const at = (hhmmss: string) => new Date(`2026-11-24T${hhmmss}Z`);

/** Minutes from start (inclusive) to end (exclusive), each with `total` requests split exactly as the timeline says, plus a fixed skew. */
function exactMinutes(timeline: WeightTimeline, start: string, end: string, total: number, skewToChallenger = 0): MinuteSplit[] {
  const minutes: MinuteSplit[] = [];
  for (let t = at(start).getTime(); t < at(end).getTime(); t += 60_000) {
    const minute = new Date(t);
    const challenger = Math.round(total * (challengerShareInMinute(timeline, minute) + skewToChallenger));
    minutes.push({ minute, champion: total - challenger, challenger });
  }
  return minutes;
}

describe('the weight timeline', () => {
  const step: WeightTimeline = [
    { from: at('07:00:00'), champion: 1, challenger: 2, challenger_percent: 10 },
    { from: at('08:30:30'), champion: 1, challenger: 2, challenger_percent: 50 },
  ];

  it('averages the share over the part of the minute each weight held', () => {
    expect(challengerShareInMinute(step, at('08:29:00'))).toBeCloseTo(0.1, 12);
    expect(challengerShareInMinute(step, at('08:30:00'))).toBeCloseTo(0.3, 12);
    expect(challengerShareInMinute(step, at('08:31:00'))).toBeCloseTo(0.5, 12);
  });

  it('weights each minute by its own share: 10 % for an hour then 50 %', () => {
    const minutes = [
      { minute: at('08:00:00'), champion: 900, challenger: 100 },
      { minute: at('08:45:00'), champion: 500, challenger: 500 },
    ];
    const [champion, challenger] = expectedSplit(step, minutes);
    expect(champion).toBeCloseTo(1_400, 9);
    expect(challenger).toBeCloseTo(600, 9);
  });

  it('raises no alarm across a 10 → 50 % step, where the weights of now alone would', () => {
    const minutes = exactMinutes(step, '08:00:00', '09:00:00', 200);
    const check = sampleRatioOverTimeline(step, minutes);
    expect(check?.mismatch).toBe(false);
    expect(check?.p_value).toBeGreaterThan(0.5);
    // The old check: the whole window against today's 50 %.
    const observed = minutes.reduce((sum, m) => [sum[0] + m.champion, sum[1] + m.challenger], [0, 0]);
    expect(sampleRatioOverTimeline([{ ...step[1], from: at('00:00:00') }], [{ minute: at('08:00:00'), champion: observed[0], challenger: observed[1] }])?.mismatch).toBe(true);
  });

  it('raises no alarm across a promotion that leaves no challenger', () => {
    const promotion: WeightTimeline = [
      { from: at('06:00:00'), champion: 1, challenger: 2, challenger_percent: 20 },
      { from: at('08:40:00'), champion: 2, challenger: null, challenger_percent: 0 },
    ];
    const minutes = exactMinutes(promotion, '08:00:00', '09:00:00', 150);
    expect(minutes.at(-1)?.challenger).toBe(0);
    expect(sampleRatioOverTimeline(promotion, minutes)?.mismatch).toBe(false);
  });

  it('raises no alarm across a promotion to a new challenger at another share', () => {
    const promotion: WeightTimeline = [
      { from: at('06:00:00'), champion: 1, challenger: 2, challenger_percent: 50 },
      { from: at('08:20:00'), champion: 2, challenger: 3, challenger_percent: 5 },
    ];
    expect(sampleRatioOverTimeline(promotion, exactMinutes(promotion, '08:00:00', '09:00:00', 300))?.mismatch).toBe(false);
  });

  it('raises an alarm on a true 45/55 skew of a 50/50 split', () => {
    const even: WeightTimeline = [{ from: at('00:00:00'), champion: 1, challenger: 2, challenger_percent: 50 }];
    const minutes = exactMinutes(even, '08:00:00', '09:00:00', 100, 0.05);
    expect(minutes[0]).toMatchObject({ champion: 45, challenger: 55 });
    const check = sampleRatioOverTimeline(even, minutes);
    // 6,000 requests: chi-square = 2 · 300² / 3,000 = 60 on 1 degree of freedom.
    expect(check?.chi_square).toBeCloseTo(60, 9);
    expect(check?.mismatch).toBe(true);
  });

  it('raises an alarm when a challenger serves while held at 0 %', () => {
    const held: WeightTimeline = [{ from: at('00:00:00'), champion: 1, challenger: 2, challenger_percent: 0 }];
    expect(sampleRatioOverTimeline(held, [{ minute: at('08:00:00'), champion: 100, challenger: 3 }])?.mismatch).toBe(true);
  });

  it('finds the minutes when both current versions were live in their roles', () => {
    const history: WeightTimeline = [
      { from: at('06:00:00'), champion: 1, challenger: 2, challenger_percent: 50 },
      // Promotion at 08:10:30: 2 becomes champion, 3 challenger.
      { from: at('08:10:30'), champion: 2, challenger: 3, challenger_percent: 10 },
      { from: at('08:30:00'), champion: 2, challenger: 3, challenger_percent: 0 },
      { from: at('08:40:00'), champion: 2, challenger: 3, challenger_percent: 25 },
    ];
    const hour = { from: at('08:00:00'), to: at('09:00:00') };
    expect(bothLiveRanges(history, hour, 2, 3, 'whole')).toEqual([
      { from: at('08:11:00'), to: at('08:30:00') },
      { from: at('08:40:00'), to: at('09:00:00') },
    ]);
    // The minute of the promotion holds rows of both pairs (told apart by version).
    expect(bothLiveRanges(history, hour, 2, 3, 'any')).toEqual([
      { from: at('08:10:00'), to: at('08:30:00') },
      { from: at('08:40:00'), to: at('09:00:00') },
    ]);
    expect(bothLiveRanges(history, hour, 1, 2, 'whole')).toEqual([{ from: at('08:00:00'), to: at('08:10:00') }]);
    expect(bothLiveRanges(history, hour, 1, 2, 'any')).toEqual([{ from: at('08:00:00'), to: at('08:11:00') }]);
  });

  it('counts only minutes that start inside the window', () => {
    const live: WeightTimeline = [{ from: at('00:00:00'), champion: 1, challenger: 2, challenger_percent: 50 }];
    expect(bothLiveRanges(live, { from: at('08:00:30'), to: at('08:03:00') }, 1, 2, 'any')).toEqual([{ from: at('08:01:00'), to: at('08:03:00') }]);
  });
});
