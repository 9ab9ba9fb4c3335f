import {
  chiSquareSurvival,
  logGamma,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  twoSidedNormalPValue,
} from './distributions';

// Reference values were computed once and pasted here; the tests never run Python. They come from
// mpmath 1.2.1 at 40 significant digits (Debian python3-mpmath), rounded to 17, through the call
// named above each table, and agree with SciPy 1.10.1 (python3-scipy) except for scipy.stats.t.ppf,
// which is only good to about 1e-10 (t.ppf(0.975, 9) = 2.2621571627409915, whose t.sf is
// 0.0250000000023). Printed tables agree to the digits they print.
function expectRelativelyClose(actual: number, expected: number, tolerance = 1e-12): void {
  if (expected === 0) expect(Math.abs(actual)).toBeLessThan(tolerance);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
}

describe('logGamma', () => {
  // mpmath.loggamma(x)
  it.each([
    [0.1, 2.2527126517342059],
    [0.5, 0.57236494292470009],
    [2.5, 0.28468287047291916],
    [10, 12.80182748008147],
    [100.5, 361.43554046777762],
    [1e6, 12815504.569147612],
  ])('ln Γ(%p) = %p', (x, expected) => {
    expectRelativelyClose(logGamma(x), expected, 1e-13);
  });

  it('is 0 at 1 and 2', () => {
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-15);
    expect(Math.abs(logGamma(2))).toBeLessThan(1e-15);
  });
});

describe('normalCdf', () => {
  // mpmath.ncdf(x)
  it.each([
    [-37.5, 4.6053530095819548e-308],
    [-10, 7.6198530241605261e-24],
    [-3, 0.0013498980316300945],
    [-1.959963984540054, 0.025000000000000011],
    [-0.5, 0.3085375387259869],
    [0, 0.5],
    [0.5, 0.6914624612740131],
    [1, 0.84134474606854295],
    [3, 0.99865010196836991],
  ])('Φ(%p) = %p', (x, expected) => {
    expectRelativelyClose(normalCdf(x), expected, 1e-12);
  });

  it('keeps the far tails: 0 and 1 at ±Infinity', () => {
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(twoSidedNormalPValue(Infinity)).toBe(0);
  });

  it('gives two-sided p-values from the tail itself', () => {
    // 2 * mpmath.ncdf(-10)
    expectRelativelyClose(twoSidedNormalPValue(-10), 2 * 7.6198530241605261e-24);
    expect(twoSidedNormalPValue(0)).toBe(1);
  });

  it('refuses NaN', () => {
    expect(() => normalCdf(NaN)).toThrow(RangeError);
  });
});

describe('normalQuantile', () => {
  // mpmath.findroot(lambda x: log(ncdf(x)) - log(p), scipy.stats.norm.ppf(p))
  it.each([
    [1e-300, -37.047096299361199],
    [1e-10, -6.3613409024040562],
    [0.001, -3.0902323061678135],
    [0.025, -1.9599639845400542],
    [0.05, -1.6448536269514727],
    [0.3, -0.52440051270804082],
    [0.7, 0.52440051270804066],
    [0.975, 1.9599639845400539],
    [0.995, 2.5758293035489005],
    [0.999999, 4.7534243088170878],
  ])('Φ⁻¹(%p) = %p', (p, expected) => {
    expectRelativelyClose(normalQuantile(p), expected, 1e-13);
  });

  it('is 0 at 1/2 and infinite at the ends', () => {
    expect(Math.abs(normalQuantile(0.5))).toBeLessThan(1e-16);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });

  it('refuses probabilities outside [0, 1]', () => {
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => normalQuantile(NaN)).toThrow(RangeError);
  });
});

describe('studentTCdf', () => {
  // t < 0: betainc(df/2, 1/2, 0, df/(df+t²), regularized=True) / 2 in mpmath; t > 0: 1 minus that
  it.each([
    [-2.46, 24.99, 0.010578703997490948],
    [2.0, 1, 0.85241638234956673],
    [-3, 2, 0.047732983133354566],
    [1.5, 3.5, 0.89109090649232738],
    [-40, 5, 9.2059810858864772e-8],
    [0.3, 10, 0.61483969621710069],
    [-0.001, 30, 0.49960436788324255],
    [-25, 20000, 3.7097016623859429e-136],
    [-3, 99999, 0.0013502304453567146],
    [-3, 100001, 0.0013502304387080711],
    [-2, 1e6, 0.022750266925659604],
    [-2, 1e9, 0.022750132083156624],
    [-6, 1e12, 9.8658764537490964e-10],
  ])('P(T ≤ %p | df = %p) = %p', (t, df, expected) => {
    // Hill's expansion, used from df = 1e5 on, is good to about 1e-12.
    expectRelativelyClose(studentTCdf(t, df), expected, 1e-11);
  });

  it('is the normal at df = Infinity and 1/2 at 0', () => {
    expect(studentTCdf(1, Infinity)).toBeCloseTo(0.8413447460685429, 14);
    expect(studentTCdf(0, 7)).toBe(0.5);
  });
});

describe('studentTQuantile', () => {
  // Printed tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2) give 12.706, 4.303, 2.228 and 2.750;
  // the digits are the root of the mpmath CDF above (mpmath.findroot, 40 digits).
  it.each([
    [0.975, 1, 12.706204736174693],
    [0.975, 2, 4.3026527297494618],
    [0.975, 9, 2.262157162798205],
    [0.995, 9, 3.2498355415921257],
    [0.975, 10, 2.2281388519862742],
    [0.995, 30, 2.749995653567225],
    [0.025, 3.7, -2.8675207071911893],
    [1e-12, 3, -10331.108244292486],
    [0.975, 1e9, 1.9599639869123251],
    [0.9, 2.5, 1.7302509288071768],
    [1e-9, 1, -318309886.18379065],
    [0.6, 50, 0.25469934298858811],
    [0.999, 1.2, 127.1376883591382],
  ])('t(%p, df = %p) = %p', (p, df, expected) => {
    expectRelativelyClose(studentTQuantile(p, df), expected, 1e-12);
  });

  it('inverts studentTCdf', () => {
    for (const df of [1.5, 4, 17.3, 200]) {
      for (const p of [0.001, 0.2, 0.5, 0.8, 0.999]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
    }
  });
});

describe('chiSquareSurvival', () => {
  // Critical values from printed chi-square tables (3.841, 10.828, 5.991, 18.307), to the digits of
  // scipy.stats.chi2.isf; the survival values are mpmath.gammainc(k/2, x/2, inf, regularized=True).
  it.each([
    [3.841458820694124, 1, 0.050000000000000057],
    [10.827566170662733, 1, 0.00099999999999999969],
    [5.991464547107979, 2, 0.050000000000000074],
    [18.307038053275146, 10, 0.050000000000000007],
    [0.001, 1, 0.97477287936996039],
    [123.4, 100, 0.056250092435815899],
    [1000, 3, 1.7994208765314477e-216],
    [2500, 2000, 1.0740080231386176e-13],
  ])('P(χ² ≥ %p | k = %p) = %p', (x, k, expected) => {
    expectRelativelyClose(chiSquareSurvival(x, k), expected, 1e-12);
  });

  it('is 1 at 0', () => {
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });
});
