import { randomInt } from 'node:crypto';
import { BUCKETS, bucketOf } from './buckets';
import { RecentMemo } from './recent-memo';
import { isVariant, type Variant, VariantPinError } from './variant';

/** What routing needs to know about one model's deployment. */
export interface TrafficPolicy {
  model: string;
  /** Mixed into the hash so each experiment reshuffles which callers see the challenger. */
  salt: string;
  /** Challenger share in basis points, an integer from 0 to BUCKETS: 12.5 % is 1250. */
  challengerBp: number;
  hasChallenger: boolean;
}

export interface Assignment {
  variant: Variant;
  /** 0 to BUCKETS - 1: from the caller key when sticky, drawn for this request otherwise. */
  bucket: number;
  /** The bucket came from the caller key, so the caller gets the same variant next time. */
  sticky: boolean;
  /** An explicit pin chose the variant; the bucket only says where the caller would have landed. */
  pinned: boolean;
}

/** Returns an integer from 0 to BUCKETS - 1. Injected so tests can make keyless routing deterministic. */
export type RandomBucketSource = () => number;

/**
 * variant = bucket < challengerBp ? challenger : champion. A caller with a key always lands in the
 * same bucket for a given model and salt, on every replica, so raising the weight only moves the
 * callers in the added slice of buckets to the challenger, and nobody flips back.
 */
export class WeightedRouter {
  /**
   * Each model's recent callers' buckets under its current salt: a bucket is a SHA-256 of (model,
   * salt, key), and the same callers come back. A new salt (a new experiment) starts a new memo.
   */
  private readonly buckets = new Map<string, { salt: string; memo: RecentMemo<number> }>();

  constructor(private readonly randomBucket: RandomBucketSource = () => randomInt(BUCKETS)) {}

  /**
   * An empty routing key counts as none: hashing it would send every such caller to one shared
   * bucket, all to the same variant, and skew the split. Throws VariantPinError for a pin that cannot
   * be served and RangeError for a policy whose weight is not a whole number of basis points.
   */
  assign(policy: TrafficPolicy, routingKey: string | undefined, pin?: string): Assignment {
    assertChallengerBp(policy);
    const pinnedVariant = pin === undefined ? undefined : checkPin(policy, pin);
    const sticky = routingKey !== undefined && routingKey !== '';
    const bucket = sticky ? this.bucketMemo(policy).get(routingKey) : this.drawBucket();
    if (pinnedVariant !== undefined) return { variant: pinnedVariant, bucket, sticky, pinned: true };
    const variant = policy.hasChallenger && bucket < policy.challengerBp ? 'challenger' : 'champion';
    return { variant, bucket, sticky, pinned: false };
  }

  private bucketMemo({ model, salt }: TrafficPolicy): RecentMemo<number> {
    let entry = this.buckets.get(model);
    if (entry === undefined || entry.salt !== salt) {
      entry = { salt, memo: new RecentMemo((routingKey) => bucketOf(model, salt, routingKey)) };
      this.buckets.set(model, entry);
    }
    return entry.memo;
  }

  /** A source returning anything else (Math.random's fractions, say) would silently skew the split. */
  private drawBucket(): number {
    const bucket = this.randomBucket();
    if (!Number.isInteger(bucket) || bucket < 0 || bucket >= BUCKETS) {
      throw new RangeError(`Random bucket source returned ${bucket}; expected an integer from 0 to ${BUCKETS - 1}`);
    }
    return bucket;
  }
}

function assertChallengerBp({ model, challengerBp }: TrafficPolicy): void {
  if (!Number.isInteger(challengerBp) || challengerBp < 0 || challengerBp > BUCKETS) {
    throw new RangeError(
      `Challenger weight of model "${model}" is ${challengerBp}; expected an integer from 0 to ${BUCKETS} basis points`,
    );
  }
}

function checkPin({ model, hasChallenger }: TrafficPolicy, pin: string): Variant {
  if (!isVariant(pin)) {
    throw new VariantPinError(pin, 'UNKNOWN_VARIANT', `Unknown variant pin "${pin}"; expected "champion" or "challenger"`);
  }
  if (pin === 'challenger' && !hasChallenger) {
    throw new VariantPinError(pin, 'NO_CHALLENGER', `Variant pin "challenger" cannot be served: model "${model}" has no challenger`);
  }
  return pin;
}
