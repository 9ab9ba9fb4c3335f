import type { RolloutPlanSpec, RolloutStep } from '@switchyard/persistence';
import { latencyBucket } from '@switchyard/statistics';
import { decideRollout, outcomeEvidence, type RolloutFigures, rolloutFigures } from './rollout-decision';
import { NO_LABELS, type VariantAggregate } from './rollup-reader';
import { buildStatsReport } from './stats-report';

const step = (overrides: Partial<RolloutStep>): RolloutStep => ({ min_duration_seconds: 60, min_requests: 100, min_outcomes: 50, ...overrides });
const spec = (overrides: Partial<RolloutPlanSpec> = {}): RolloutPlanSpec => ({
  steps: [step({ shadow_percent: 100 }), step({ challenger_percent: 5 }), step({ challenger_percent: 25 })],
  gates: { max_error_rate_increase: 0.01, max_p99_latency_ratio: 1.5, outcome_margin: 0 },
  alpha: 0.05,
  end: 'promote',
  ...overrides,
});
const started = new Date('2026-12-01T10:00:00Z');
const later = (seconds: number) => new Date(started.getTime() + seconds * 1_000);
const side = (requests: number, overrides: Partial<RolloutFigures['champion']> = {}) => ({ requests, error_rate: 0.01, p99_ms: 2, outcomes: 100, ...overrides });
const figures = (overrides: Partial<RolloutFigures> = {}): RolloutFigures => ({
  champion: side(1_000),
  candidate: side(200),
  outcome: { metric: 'mean outcome', difference: 0.1, margin: 0, always_valid_p_value: 0.3, decision: 'undecided' },
  ...overrides,
});

describe('decideRollout', () => {
  it('applies a step the worker has not applied yet', () => {
    expect(decideRollout(spec(), { step: 0, stepStartedAt: null }, figures(), started)).toEqual({
      action: 'apply',
      step: 0,
      reason: 'rollout plan step 1 of 3 (shadow 100 %)',
    });
  });

  it('waits, naming what is missing, until the minimum time, requests and outcomes are there', () => {
    const early = decideRollout(spec(), { step: 1, stepStartedAt: started }, figures({ candidate: side(40, { outcomes: 10 }) }), later(30));
    expect(early).toMatchObject({ action: 'wait', detail: expect.stringContaining('30 of 60 s, 40 of 100 requests, 10 of 50 outcomes') });
    expect(decideRollout(spec(), { step: 1, stepStartedAt: started }, figures({ candidate: null }), later(90))).toMatchObject({
      action: 'wait',
      detail: expect.stringContaining('challenger: no samples yet'),
    });
  });

  it('needs no outcomes in a shadow step, and waits for shadow samples', () => {
    expect(decideRollout(spec(), { step: 0, stepStartedAt: started }, figures({ candidate: side(200, { outcomes: 0 }), outcome: null }), later(61))).toMatchObject({
      action: 'advance',
      step: 1,
    });
    expect(decideRollout(spec(), { step: 0, stepStartedAt: started }, figures({ candidate: null, outcome: null }), later(61))).toMatchObject({ action: 'wait' });
  });

  it('advances when the step met its minimums and the gates hold, with the figures in the reason', () => {
    const decision = decideRollout(spec(), { step: 1, stepStartedAt: started }, figures(), later(61));
    expect(decision).toMatchObject({ action: 'advance', step: 2 });
    expect(decision.action === 'advance' && decision.reason).toMatch(/^rollout plan step 3 of 3 \(challenger 25 %\): step 2 of 3 \(challenger 5 %\) met its minimums.*challenger 200 requests, 100 outcomes, error rate 1.00 %/);
  });

  it('aborts on an error rate beyond the gate once the step has its minimum requests, and not before', () => {
    const bad = figures({ candidate: side(200, { error_rate: 0.05 }) });
    const decision = decideRollout(spec(), { step: 1, stepStartedAt: started }, bad, later(5));
    expect(decision).toMatchObject({ action: 'abort', reason: expect.stringContaining('challenger error rate 5.00 % exceeds the champion\'s 1.00 % by more than 1.00 points') });
    expect(decideRollout(spec(), { step: 1, stepStartedAt: started }, figures({ candidate: side(20, { error_rate: 0.5 }) }), later(5))).toMatchObject({ action: 'wait' });
  });

  it('aborts on a p99 latency beyond the ratio, for a shadow too', () => {
    const slow = figures({ candidate: side(200, { p99_ms: 3.5 }), outcome: null });
    expect(decideRollout(spec(), { step: 0, stepStartedAt: started }, slow, later(61))).toMatchObject({ action: 'abort', reason: expect.stringContaining('shadow p99 latency 3.50 ms exceeds 1.5×') });
  });

  it('aborts as soon as the always-valid test shows the challenger worse than the margin, minimums or not', () => {
    const worse = figures({ candidate: side(10), outcome: { metric: 'accuracy', difference: -0.2, margin: 0.01, always_valid_p_value: 0.001, decision: 'worse_than_margin' } });
    expect(decideRollout(spec(), { step: 1, stepStartedAt: started }, worse, later(1))).toMatchObject({ action: 'abort', reason: expect.stringContaining('worse than the champion\'s by more than the margin 0.01') });
    // Without an outcome gate the same evidence only keeps the plan from promoting.
    const noOutcomeGate = spec({ gates: { max_error_rate_increase: null, max_p99_latency_ratio: null, outcome_margin: null } });
    expect(decideRollout(noOutcomeGate, { step: 2, stepStartedAt: started }, { ...worse, candidate: side(200) }, later(61))).toMatchObject({ action: 'wait' });
  });

  it('leaves a gate set to null unchecked', () => {
    const open = spec({ gates: { max_error_rate_increase: null, max_p99_latency_ratio: null, outcome_margin: 0 } });
    expect(decideRollout(open, { step: 1, stepStartedAt: started }, figures({ candidate: side(200, { error_rate: 0.9, p99_ms: 100 }) }), later(61))).toMatchObject({ action: 'advance' });
  });

  it('promotes after the last step only once the test shows the challenger at least as good', () => {
    const position = { step: 2, stepStartedAt: started };
    expect(decideRollout(spec(), position, figures(), later(61))).toMatchObject({ action: 'wait', detail: expect.stringContaining('waiting for the always-valid test') });
    const good = figures({ outcome: { metric: 'mean outcome', difference: 0.5, margin: 0, always_valid_p_value: 0.001, decision: 'at_least_as_good' } });
    expect(decideRollout(spec(), position, good, later(61))).toMatchObject({ action: 'promote', reason: expect.stringContaining('α = 0.05') });
  });

  it('holds for a person after the last step when the plan ends in hold', () => {
    expect(decideRollout(spec({ end: 'hold' }), { step: 2, stepStartedAt: started }, figures(), later(61))).toMatchObject({ action: 'hold' });
  });
});

const aggregate = (variant: string, overrides: Partial<VariantAggregate>): VariantAggregate => ({
  variant,
  versions: [1],
  requests: 1_000,
  errors: 0,
  latency: { [latencyBucket(1_000)]: 1_000 },
  outputCount: 0,
  outputSum: 0,
  outputSumSquares: 0,
  outputLabels: {},
  outcomeCount: 0,
  outcomeSum: 0,
  outcomeSumSquares: 0,
  outcomeCorrect: 0,
  labels: NO_LABELS,
  inputs: {},
  ...overrides,
});
/** n outcomes of mean m and standard deviation 1, as sufficient statistics. */
const outcomes = (n: number, mean: number) => ({ outcomeCount: n, outcomeSum: n * mean, outcomeSumSquares: n * (mean * mean + 1) });

describe('outcomeEvidence', () => {
  const report = { task: 'regression' as const, comparison: null, variants: [] };

  it('is null before both variants have outcomes', () => {
    expect(outcomeEvidence(report, [aggregate('champion', outcomes(100, 1)), aggregate('challenger', {})], 0, 0.05)).toBeNull();
  });

  it('finds a clearly better challenger at least as good, and a clearly worse one worse than the margin', () => {
    const better = outcomeEvidence(report, [aggregate('champion', outcomes(2_000, 1)), aggregate('challenger', outcomes(2_000, 1.3))], 0, 0.05);
    expect(better).toMatchObject({ metric: 'mean outcome', decision: 'at_least_as_good', margin: 0 });
    expect(better!.difference).toBeCloseTo(0.3, 10);
    const worse = outcomeEvidence(report, [aggregate('champion', outcomes(2_000, 1)), aggregate('challenger', outcomes(2_000, 0.7))], 0.1, 0.05);
    expect(worse).toMatchObject({ decision: 'worse_than_margin', margin: 0.1 });
  });

  it('counts an equal challenger at least as good only with a margin', () => {
    const equal = [aggregate('champion', outcomes(5_000, 1)), aggregate('challenger', outcomes(5_000, 1))];
    expect(outcomeEvidence(report, equal, 0, 0.05)!.decision).toBe('undecided');
    expect(outcomeEvidence(report, equal, 0.2, 0.05)!.decision).toBe('at_least_as_good');
  });

  it('judges accuracy for a classifier, and a smaller α asks for more evidence', () => {
    const classifier = { ...report, task: 'classification' as const };
    const variants = [aggregate('champion', { outcomeCount: 400, outcomeCorrect: 300 }), aggregate('challenger', { outcomeCount: 400, outcomeCorrect: 330 })];
    const loose = outcomeEvidence(classifier, variants, 0, 0.2)!;
    const strict = outcomeEvidence(classifier, variants, 0, 1e-6)!;
    expect(loose.metric).toBe('accuracy');
    expect(loose.difference).toBeCloseTo(0.075, 10);
    expect(loose.decision).toBe('at_least_as_good');
    expect(strict.decision).toBe('undecided');
  });

  it('prefers model quality from labels, turning lower-is-better metrics around', () => {
    const withQuality = {
      task: 'regression' as const,
      variants: [
        { variant: 'champion', quality: { task: 'regression' as const, labelled: 1_000, metrics: {} } },
        { variant: 'challenger', quality: { task: 'regression' as const, labelled: 1_000, metrics: {} } },
      ] as never,
      comparison: { quality: { metric: 'mae' as const, better: 'lower' as const, difference: -0.5, interval: { low: -0.6, high: -0.4 }, p_value: 0, method: 'welch', sequential: null } } as never,
    };
    const evidence = outcomeEvidence(withQuality, [], 0, 0.05)!;
    expect(evidence).toMatchObject({ metric: 'mae', decision: 'at_least_as_good' });
    expect(evidence.difference).toBeCloseTo(0.5, 12);
  });
});

describe('rolloutFigures', () => {
  const window = { from: new Date('2026-12-01T10:00:00Z'), to: new Date('2026-12-01T10:05:00Z') };
  const build = (variants: VariantAggregate[]) =>
    buildStatsReport({
      model: 'm',
      window,
      task: 'regression',
      deployment: { champion: 1, challenger: 2, challenger_percent: 10 },
      variants,
      compared: {
        ranges: [window],
        variants,
        minutes: [{ minute: window.from, champion: variants[0]?.requests ?? 0, challenger: variants[1]?.requests ?? 0 }],
        timeline: [{ from: new Date(0), champion: 1, challenger: 2, challenger_percent: 10 }],
      },
      reference: { ...window, requests: 0, inputs: {} },
      series: [],
      stepSeconds: 60,
    });

  it('reads the challenger from the report in a challenger step', () => {
    const variants = [aggregate('champion', { ...outcomes(50, 1), errors: 10 }), aggregate('challenger', { ...outcomes(20, 1), requests: 100 })];
    const result = rolloutFigures(build(variants), variants, spec(), step({ challenger_percent: 5 }));
    expect(result.champion).toMatchObject({ requests: 1_000, error_rate: 0.01, outcomes: 50 });
    expect(result.candidate).toMatchObject({ requests: 100, error_rate: 0, outcomes: 20 });
    expect(result.candidate!.p99_ms).toBeCloseTo(1, 1);
    expect(result.outcome).toMatchObject({ metric: 'mean outcome' });
  });

  it('has no shadow samples while the report has no shadow section', () => {
    const variants = [aggregate('champion', {})];
    expect(rolloutFigures(build(variants), variants, spec(), step({ shadow_percent: 100 }))).toEqual({ champion: expect.objectContaining({ requests: 1_000 }), candidate: null, outcome: null });
    const withShadow = { ...build(variants), shadow: { version: 3, requests: 900, errors: 9, error_rate: 0.01, latency_ms: { p50: 1, p95: 1.5, p99: 2 }, agreement: null, output_difference: null, quality: null } };
    expect(rolloutFigures(withShadow, variants, spec(), step({ shadow_percent: 100 })).candidate).toEqual({ requests: 900, error_rate: 0.01, p99_ms: 2, outcomes: 0 });
  });
});
