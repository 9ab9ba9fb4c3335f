import { proportionWithInterval } from './proportion';

describe('proportionWithInterval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat Med 17:857–872,
  // Table II, method 3 (Wilson score), to the four decimals printed there; the full digits are
  // statsmodels 0.13.5 proportion_confint(x, n, alpha=0.05, method='wilson').
  it.each([
    [81, 263, 0.2553, 0.3662, 0.2552885198782742, 0.36620957698280004],
    [15, 148, 0.0624, 0.1605, 0.06238639953073628, 0.16048724172330803],
    [0, 20, 0, 0.1611, 0, 0.1611251580528194],
    [1, 29, 0.0061, 0.1718, 0.006113214292762667, 0.17175521879320294],
  ])('%i/%i → [%p, %p]', (successes, trials, printedLow, printedHigh, low, high) => {
    const { rate, interval } = proportionWithInterval(successes, trials);
    expect(rate).toBe(successes / trials);
    expect(interval?.low).toBeCloseTo(printedLow, 4);
    expect(interval?.high).toBeCloseTo(printedHigh, 4);
    expect(interval?.low).toBeCloseTo(low, 13);
    expect(interval?.high).toBeCloseTo(high, 13);
  });

  it('honours the confidence level', () => {
    // proportion_confint(81, 263, alpha=0.01, method='wilson')
    const { interval } = proportionWithInterval(81, 263, 0.99);
    expect(interval?.low).toBeCloseTo(0.24013690268760773, 13);
    expect(interval?.high).toBeCloseTo(0.38528250231822986, 13);
  });

  it('ends exactly at 0 and 1 when every trial fails or succeeds', () => {
    // proportion_confint(29, 29, method='wilson') = (0.8830302015002592, 1.0); with alpha=0.01 the
    // 0/20 lower end comes out as -2.8e-17 in statsmodels, and must not here.
    expect(proportionWithInterval(29, 29).interval).toEqual({ low: expect.closeTo(0.8830302015002592, 13), high: 1 });
    expect(proportionWithInterval(0, 20, 0.99).interval).toEqual({ low: 0, high: expect.closeTo(0.24910540109875348, 13) });
    expect(proportionWithInterval(0, 1).interval).toEqual({ low: 0, high: expect.closeTo(0.7934506856227627, 13) });
  });

  it('has nothing to say without trials', () => {
    expect(proportionWithInterval(0, 0)).toEqual({ trials: 0, rate: null, interval: null });
  });

  it('keeps its digits with a billion trials', () => {
    // proportion_confint(123456789, 1000000000, method='wilson')
    const { rate, interval } = proportionWithInterval(123_456_789, 1_000_000_000);
    expect(rate).toBe(0.123456789);
    expect(interval?.low).toBeCloseTo(0.12343640161927887, 14);
    expect(interval?.high).toBeCloseTo(0.12347717927367156, 14);
  });

  it('refuses impossible counts', () => {
    expect(() => proportionWithInterval(5, 4)).toThrow(RangeError);
    expect(() => proportionWithInterval(-1, 4)).toThrow(RangeError);
    expect(() => proportionWithInterval(1.5, 4)).toThrow(RangeError);
    expect(() => proportionWithInterval(1, 4, 0)).toThrow(RangeError);
  });
});
