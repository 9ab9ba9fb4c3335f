import { BUCKETS, bucketOf } from './buckets';
import { VariantPinError } from './variant';
import { type Assignment, type TrafficPolicy, WeightedRouter } from './weighted-router';

const MODEL = 'fraud-detector';
const SALT = '9f2c4e1a7b3d5e60';

function policy(overrides: Partial<TrafficPolicy> = {}): TrafficPolicy {
  return { model: MODEL, salt: SALT, challengerBp: 1000, hasChallenger: true, ...overrides };
}

/** Random-looking caller keys from a seeded generator (mulberry32), so statistical tests cannot flake. */
function pseudoRandomKeys(count: number, seed: number): string[] {
  let state = seed >>> 0;
  const next32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return Array.from({ length: count }, () => `${next32().toString(16)}-${next32().toString(16)}`);
}

const KEYS = pseudoRandomKeys(10_000, 1);

/** A keyed request must not draw: a source that throws proves it. */
function keyedOnlyRouter(): WeightedRouter {
  return new WeightedRouter(() => {
    throw new Error('a keyed request drew a random bucket');
  });
}

/** Returns the given buckets in turn, one per request. */
function scriptedRouter(buckets: number[]): WeightedRouter {
  let next = 0;
  return new WeightedRouter(() => buckets[next++ % buckets.length]);
}

function challengerKeys(router: WeightedRouter, trafficPolicy: TrafficPolicy, keys: string[]): Set<string> {
  return new Set(keys.filter((key) => router.assign(trafficPolicy, key).variant === 'challenger'));
}

function intersectionSize(a: Set<string>, b: Set<string>): number {
  let size = 0;
  for (const key of a) if (b.has(key)) size += 1;
  return size;
}

/** |observed − np| ≤ sds · √(np(1−p)), the binomial standard deviation. */
function expectBinomialWithin(observed: number, trials: number, probability: number, sds: number): void {
  const sd = Math.sqrt(trials * probability * (1 - probability));
  expect(Math.abs(observed - trials * probability)).toBeLessThanOrEqual(sds * sd);
}

describe('WeightedRouter', () => {
  describe('with a caller key', () => {
    it('gives every key the same assignment on two independent replicas, without drawing', () => {
      const replicaA = keyedOnlyRouter();
      const replicaB = keyedOnlyRouter();
      const trafficPolicy = policy({ challengerBp: 1250 });
      const onA = KEYS.map((key) => replicaA.assign(trafficPolicy, key));
      const onB = KEYS.map((key) => replicaB.assign(trafficPolicy, key));
      expect(onB).toEqual(onA);
      expect(onA.every((assignment) => assignment.sticky && !assignment.pinned)).toBe(true);
      expect(onA.some((assignment) => assignment.variant === 'challenger')).toBe(true);
      expect(onA.some((assignment) => assignment.variant === 'champion')).toBe(true);
    });

    it('routes by the bucket of (model, salt, key)', () => {
      expect(keyedOnlyRouter().assign(policy({ challengerBp: 8769 }), 'alice')).toEqual<Assignment>({
        variant: 'champion',
        bucket: 8769,
        sticky: true,
        pinned: false,
      });
      expect(keyedOnlyRouter().assign(policy({ challengerBp: 8770 }), 'alice').variant).toBe('challenger');
    });

    it('gives every key the bucket of its (model, salt) when one router sees the salt and the model change and change back', () => {
      const router = keyedOnlyRouter();
      const seen = [
        { model: MODEL, salt: SALT },
        { model: MODEL, salt: 'a1b2c3d4e5f60718' },
        { model: 'churn-predictor', salt: SALT },
        { model: MODEL, salt: SALT },
      ];
      for (const { model, salt } of seen) {
        for (const key of KEYS.slice(0, 200)) expect(router.assign(policy({ model, salt }), key).bucket).toBe(bucketOf(model, salt, key));
      }
    });

    it('moves exactly the callers in buckets [1000, 2000) to the challenger when the weight rises from 10 % to 20 %', () => {
      const router = keyedOnlyRouter();
      const before = KEYS.map((key) => router.assign(policy({ challengerBp: 1000 }), key));
      const after = KEYS.map((key) => router.assign(policy({ challengerBp: 2000 }), key));
      const flippedBack = KEYS.filter((_, i) => before[i].variant === 'challenger' && after[i].variant === 'champion');
      const moved = KEYS.filter((_, i) => before[i].variant === 'champion' && after[i].variant === 'challenger');
      const inAddedSlice = KEYS.filter((key) => {
        const bucket = bucketOf(MODEL, SALT, key);
        return bucket >= 1000 && bucket < 2000;
      });
      expect(flippedBack).toEqual([]);
      expect(moved).toEqual(inAddedSlice);
      expectBinomialWithin(moved.length, KEYS.length, 0.1, 4);
    });

    it('only moves callers from challenger to champion when the weight falls', () => {
      const router = keyedOnlyRouter();
      const before = KEYS.map((key) => router.assign(policy({ challengerBp: 2000 }), key));
      const after = KEYS.map((key) => router.assign(policy({ challengerBp: 1000 }), key));
      const gainedChallenger = KEYS.filter((_, i) => before[i].variant === 'champion' && after[i].variant === 'challenger');
      const moved = before.filter((assignment, i) => assignment.variant !== after[i].variant);
      expect(gainedChallenger).toEqual([]);
      expect(moved.length).toBeGreaterThan(0);
      expect(moved.every(({ bucket }) => bucket >= 1000 && bucket < 2000)).toBe(true);
    });

    it.each([
      [0, 1],
      [1250, 3333],
      [5000, 5001],
      [9999, 10_000],
    ])('keeps every challenger caller of weight %i on the challenger at weight %i', (lower, higher) => {
      const router = keyedOnlyRouter();
      const atLower = challengerKeys(router, policy({ challengerBp: lower }), KEYS);
      const atHigher = challengerKeys(router, policy({ challengerBp: higher }), KEYS);
      expect([...atLower].filter((key) => !atHigher.has(key))).toEqual([]);
    });

    it.each([100, 1000, 3333, 5000, 9000])('sends %i bp of 20,000 keys to the challenger, within 4 sd', (challengerBp) => {
      const keys = pseudoRandomKeys(20_000, challengerBp);
      const challengers = challengerKeys(keyedOnlyRouter(), policy({ challengerBp }), keys);
      expectBinomialWithin(challengers.size, keys.length, challengerBp / BUCKETS, 4);
    });

    it.each([
      ['salt', policy({ salt: 'a1b2c3d4e5f60718' })],
      ['model', policy({ model: 'churn-predictor' })],
    ])('reshuffles the challenger callers when the %s changes', (_, changed) => {
      const router = keyedOnlyRouter();
      for (const challengerBp of [1000, 5000]) {
        const original = challengerKeys(router, policy({ challengerBp }), KEYS);
        const reshuffled = challengerKeys(router, { ...changed, challengerBp }, KEYS);
        const p = challengerBp / BUCKETS;
        // Independent assignments overlap on about p² of the callers; identical ones on p.
        expectBinomialWithin(intersectionSize(original, reshuffled), KEYS.length, p * p, 4);
        expectBinomialWithin(reshuffled.size, KEYS.length, p, 4);
      }
    });
  });

  describe('without a caller key', () => {
    it('draws a bucket for each request', () => {
      const router = scriptedRouter([0, 1249, 1250, 9999]);
      const assignments = [1, 2, 3, 4].map(() => router.assign(policy({ challengerBp: 1250 }), undefined));
      expect(assignments).toEqual<Assignment[]>([
        { variant: 'challenger', bucket: 0, sticky: false, pinned: false },
        { variant: 'challenger', bucket: 1249, sticky: false, pinned: false },
        { variant: 'champion', bucket: 1250, sticky: false, pinned: false },
        { variant: 'champion', bucket: 9999, sticky: false, pinned: false },
      ]);
    });

    it('treats an empty key as no key rather than one bucket shared by every such caller', () => {
      const router = scriptedRouter([42, 7000]);
      expect(router.assign(policy(), '')).toMatchObject({ bucket: 42, sticky: false });
      expect(router.assign(policy(), '')).toMatchObject({ bucket: 7000, sticky: false });
    });

    it('splits by the weight with the default random source', () => {
      // Truly random, so 6 sd: a correct router fails this about twice in a billion runs.
      const router = new WeightedRouter();
      const requests = 20_000;
      const assignments = Array.from({ length: requests }, () => router.assign(policy({ challengerBp: 1250 }), undefined));
      const challengers = assignments.filter(({ variant }) => variant === 'challenger').length;
      expectBinomialWithin(challengers, requests, 0.125, 6);
      expect(assignments.every(({ bucket, sticky }) => Number.isInteger(bucket) && bucket >= 0 && bucket < BUCKETS && !sticky)).toBe(
        true,
      );
    });

    it.each([0.5, -1, BUCKETS, Number.NaN])('rejects a random source that returns %p', (drawn) => {
      expect(() => new WeightedRouter(() => drawn).assign(policy(), undefined)).toThrow(RangeError);
    });
  });

  describe('at the ends of the weight range', () => {
    const everyBucket = Array.from({ length: BUCKETS }, (_, bucket) => bucket);

    it.each([
      [0, 'champion'],
      [BUCKETS, 'challenger'],
    ])('at %i bp sends every keyed and keyless request to the %s', (challengerBp, expected) => {
      const keyed = KEYS.map((key) => keyedOnlyRouter().assign(policy({ challengerBp }), key).variant);
      const keylessRouter = scriptedRouter(everyBucket);
      const keyless = everyBucket.map(() => keylessRouter.assign(policy({ challengerBp }), undefined).variant);
      expect(new Set([...keyed, ...keyless])).toEqual(new Set([expected]));
    });
  });

  describe('without a challenger', () => {
    it.each([0, 5000, BUCKETS])('sends every request to the champion at %i bp', (challengerBp) => {
      const noChallenger = policy({ challengerBp, hasChallenger: false });
      const keyed = KEYS.map((key) => keyedOnlyRouter().assign(noChallenger, key).variant);
      const keylessRouter = scriptedRouter([0, 1, 4999, 9999]);
      const keyless = [1, 2, 3, 4].map(() => keylessRouter.assign(noChallenger, undefined).variant);
      expect(new Set([...keyed, ...keyless])).toEqual(new Set(['champion']));
    });
  });

  describe('with a variant pin', () => {
    it('serves the pinned champion even when all traffic goes to the challenger', () => {
      expect(keyedOnlyRouter().assign(policy({ challengerBp: BUCKETS }), 'alice', 'champion')).toEqual<Assignment>({
        variant: 'champion',
        bucket: 8769,
        sticky: true,
        pinned: true,
      });
    });

    it('serves the pinned challenger even when it gets no traffic', () => {
      expect(scriptedRouter([3]).assign(policy({ challengerBp: 0 }), undefined, 'challenger')).toEqual<Assignment>({
        variant: 'challenger',
        bucket: 3,
        sticky: false,
        pinned: true,
      });
    });

    it('serves the pinned champion of a model without a challenger', () => {
      expect(keyedOnlyRouter().assign(policy({ hasChallenger: false }), 'alice', 'champion').variant).toBe('champion');
    });

    it('rejects a challenger pin when the model has no challenger', () => {
      const attempt = () => keyedOnlyRouter().assign(policy({ hasChallenger: false }), 'alice', 'challenger');
      expect(attempt).toThrow(VariantPinError);
      expect(attempt).toThrow(`Variant pin "challenger" cannot be served: model "${MODEL}" has no challenger`);
      expect(attempt).toThrow(expect.objectContaining({ pin: 'challenger', problem: 'NO_CHALLENGER' }));
    });

    it.each(['Champion', 'CHALLENGER', ' champion', 'v2', ''])('rejects the unknown pin %j', (pin) => {
      const attempt = () => keyedOnlyRouter().assign(policy(), 'alice', pin);
      expect(attempt).toThrow(VariantPinError);
      expect(attempt).toThrow(`Unknown variant pin "${pin}"; expected "champion" or "challenger"`);
      expect(attempt).toThrow(expect.objectContaining({ pin, problem: 'UNKNOWN_VARIANT' }));
    });
  });

  describe('policy validation', () => {
    it.each([-1, BUCKETS + 1, 12.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects a challenger weight of %p bp', (challengerBp) => {
      const attempt = () => keyedOnlyRouter().assign(policy({ challengerBp }), 'alice', 'champion');
      expect(attempt).toThrow(RangeError);
      expect(attempt).toThrow(`Challenger weight of model "${MODEL}" is ${challengerBp}`);
    });
  });
});
