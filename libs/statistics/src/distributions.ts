/**
 * The few distribution functions the A/B statistics need, in double precision and without a
 * dependency: every p-value and critical value here comes from the regularized incomplete gamma and
 * beta functions (Numerical Recipes, 3rd ed., §6.2 and §6.4), which are accurate to about 1e-14
 * relative, far below anything a dashboard shows.
 */

const EPSILON = 1e-15;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

// Lanczos approximation, g = 7 with nine coefficients (Godfrey), accurate to about 1e-15 relative.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LN_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (reflection below 1/2, where the Lanczos series loses accuracy). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let series = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) series += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LN_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/**
 * Q(a, x) = Γ(a, x) / Γ(a), the upper regularized incomplete gamma function: the series for P when
 * x < a + 1, the continued fraction (modified Lentz) for Q otherwise, so the small one of P and Q is
 * always computed directly and a tail probability never suffers from 1 − (something close to 1).
 */
export function upperRegularizedGamma(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) throw new RangeError(`upperRegularizedGamma(${a}, ${x}) is not defined`);
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) return 1 - Math.exp(logPrefix) * gammaSeries(a, x);
  return Math.exp(logPrefix) * gammaContinuedFraction(a, x);
}

function gammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) return sum;
  }
  throw new RangeError(`incomplete gamma series did not converge for a = ${a}, x = ${x}`);
}

function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < EPSILON) return fraction;
  }
  throw new RangeError(`incomplete gamma continued fraction did not converge for a = ${a}, x = ${x}`);
}

/**
 * I_x(a, b), the regularized incomplete beta function. The caller passes both x and 1 − x because
 * computing 1 − x from x would lose the digits the Student-t tails depend on.
 */
export function regularizedBeta(x: number, oneMinusX: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (oneMinusX <= 0) return 1;
  const logX = x > 0.5 ? Math.log1p(-oneMinusX) : Math.log(x);
  const logOneMinusX = oneMinusX > 0.5 ? Math.log1p(-x) : Math.log(oneMinusX);
  const logPrefix = a * logX + b * logOneMinusX - logBeta(a, b);
  // The continued fraction converges quickly only below (a + 1) / (a + b + 2); use the symmetry
  // I_x(a, b) = 1 − I_{1−x}(b, a) above it.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logPrefix) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logPrefix) * betaContinuedFraction(oneMinusX, b, a)) / b;
}

/**
 * ln B(a, b). With a large argument (Welch–Satterthwaite df of a busy experiment is in the millions)
 * ln Γ(a) − ln Γ(a + b) would cancel almost every digit, so the large arguments go through Stirling's
 * formula with its correction term kept apart, as R's nmath lbeta does.
 */
function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (q < 10) return logGamma(p) + logGamma(q) - logGamma(p + q);
  const pOverSum = p / (p + q);
  const qTerm = (q - 0.5) * Math.log1p(-pOverSum);
  if (p < 10) return logGamma(p) + stirlingCorrection(q) - stirlingCorrection(p + q) + p - p * Math.log(p + q) + qTerm;
  return (
    HALF_LN_TWO_PI +
    stirlingCorrection(p) +
    stirlingCorrection(q) -
    stirlingCorrection(p + q) +
    (p - 0.5) * Math.log(pOverSum) +
    qTerm -
    0.5 * Math.log(p + q)
  );
}

/** ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π] for x ≥ 10, from the Stirling series (error below 1e-14). */
function stirlingCorrection(x: number): number {
  const r = 1 / (x * x);
  return (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r * (1 / 1680 - r / 1188)))) / x;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let fraction = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let an = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + an * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    fraction *= d * c;
    an = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + an * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < EPSILON) return fraction;
  }
  throw new RangeError(`incomplete beta continued fraction did not converge for x = ${x}, a = ${a}, b = ${b}`);
}

/** P(Z ≤ x) for a standard normal Z, through erfc(z) = Q(1/2, z²) so both tails keep full relative precision. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('normalCdf(NaN) is not defined');
  const tail = 0.5 * upperRegularizedGamma(0.5, (x * x) / 2);
  return x < 0 ? tail : 1 - tail;
}

/** P(|Z| ≥ |z|): the two-sided p-value of a z statistic, computed from the tail itself. */
export function twoSidedNormalPValue(z: number): number {
  return upperRegularizedGamma(0.5, (z * z) / 2);
}

// Acklam's rational approximation (relative error below 1.15e-9), polished by one Halley step on the
// exact CDF, which brings it to full double precision.
const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const ACKLAM_LOW = 0.02425;

/**
 * The x with normalCdf(x) = p; ±Infinity at 0 and 1. Solved in the lower tail: for p > ½, 1 − p is
 * exact and the Halley step then works on a tail probability rather than on the digits after 0.99….
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile(${p}): p must be in [0, 1]`);
  if (p > 0.5) return -normalQuantile(1 - p);
  if (p === 0) return -Infinity;
  let x: number;
  if (p < ACKLAM_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    const [c0, c1, c2, c3, c4, c5] = ACKLAM_C;
    const [d0, d1, d2, d3] = ACKLAM_D;
    x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    const [a0, a1, a2, a3, a4, a5] = ACKLAM_A;
    const [b0, b1, b2, b3, b4] = ACKLAM_B;
    x = ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  }
  const error = normalCdf(x) - p;
  const u = error * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * P(T ≤ t) for Student's t with `df` degrees of freedom (any real df > 0, as Welch–Satterthwaite
 * gives; Infinity is the normal). Uses P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2).
 */
export function studentTCdf(t: number, df: number): number {
  const tail = studentTTail(t, df);
  return t < 0 ? tail : 1 - tail;
}

/** P(T ≥ |t|), one tail, computed directly so that small p-values keep their digits. */
export function studentTTail(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) throw new RangeError(`Student t(${t}, df = ${df}) is not defined`);
  if (df === Infinity) return 0.5 * twoSidedNormalPValue(t);
  if (df > HILL_MIN_DF) return hillTail(t, df);
  const t2 = t * t;
  return 0.5 * regularizedBeta(df / (df + t2), t2 / (df + t2), df / 2, 0.5);
}

/**
 * Past this many degrees of freedom the incomplete-beta continued fraction needs thousands of
 * steps and accumulates rounding (1e-8 relative at df = 1e9), while Hill's expansion agrees with
 * SciPy and mpmath to about 1e-12 from df = 1e4 on.
 */
const HILL_MIN_DF = 1e5;

/**
 * Hill's asymptotic normalizing transform of t (G. W. Hill, "Algorithm 395: Student's
 * t-distribution", CACM 13(10), 1970): z = √((df − ½) ln(1 + t²/df)) with a correction in
 * 1/(48 (df − ½)²), then the normal tail.
 */
function hillTail(t: number, df: number): number {
  const a = df - 0.5;
  const b = 48 * a * a;
  const y = a * Math.log1p((t * t) / df);
  const z = (((((-0.4 * y - 3.3) * y - 24) * y - 85.5) / (0.8 * y * y + 100 + b) + y + 3) / b + 1) * Math.sqrt(y);
  return 0.5 * twoSidedNormalPValue(z);
}

function studentTDensity(t: number, df: number): number {
  return Math.exp(
    logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df),
  );
}

/**
 * The t with studentTCdf(t, df) = p. Closed forms for df = 1 and 2; otherwise Newton's method from
 * the Cornish–Fisher start (Abramowitz & Stegun 26.7.5), kept inside a bracket so the heavy tails of
 * small df cannot throw it off, solved in the lower tail where p has its full precision.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`studentTQuantile(${p}): p must be in [0, 1]`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be positive, got ${df}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (p > 0.5) return -studentTQuantile(1 - p, df);
  if (df === Infinity) return normalQuantile(p);
  // tan(π(p − ½)) = −cot(πp), and the latter keeps its digits for small p.
  if (df === 1) return -1 / Math.tan(Math.PI * p);
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = normalQuantile(p);
  const z3 = z * z * z;
  let t = z + (z3 + z) / (4 * df) + (5 * z3 * z * z + 16 * z3 + 3 * z) / (96 * df * df);
  let low = -Infinity;
  let high = 0;
  for (let i = 0; i < 200; i++) {
    const error = studentTTail(t, df) - p;
    if (error === 0) return t;
    // The lower tail grows with t, so a positive error means t is too far right.
    if (error > 0) high = t;
    else low = t;
    let next = t - error / studentTDensity(t, df);
    if (!(next > low && next < high)) next = low === -Infinity ? Math.min(2 * high, high - 1) : (low + high) / 2;
    if (Math.abs(next - t) <= 1e-15 * Math.abs(t)) return next;
    t = next;
  }
  return t;
}

/** P(X ≥ x) for chi-square with k degrees of freedom: Q(k/2, x/2). */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) throw new RangeError(`chiSquareSurvival: degrees of freedom must be positive, got ${degreesOfFreedom}`);
  return upperRegularizedGamma(degreesOfFreedom / 2, x / 2);
}
