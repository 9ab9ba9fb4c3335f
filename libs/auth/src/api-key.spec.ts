import { bearerToken, issueKey, parseKey, ProvenSecrets, rateLimitOf, redactKeys, secretMatches } from './api-key';

describe('API keys', () => {
  it('issues sy_<id>_<secret> keys whose secret matches the stored hash, and nothing else does', () => {
    const issued = issueKey();
    const parsed = parseKey(issued.key)!;
    expect(parsed.id).toBe(issued.id);
    expect(issued.key).toMatch(/^sy_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(secretMatches(issued, parsed.secret)).toBe(true);
    expect(secretMatches(issued, parsed.secret.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBe(false);
    expect(secretMatches(issued, '')).toBe(false);
  });

  it('salts every key: the same secret under two salts hashes differently', () => {
    const [a, b] = [issueKey(), issueKey()];
    expect(a.salt).not.toBe(b.salt);
    expect(a.id).not.toBe(b.id);
    expect(a.hash).not.toBe(b.hash);
    expect(issueKey().key).not.toContain(a.hash);
  });

  it.each(['', 'sy_short_x', 'Bearer sy_x', `sy_${'A'.repeat(12)}_${'a'.repeat(43)}`, `sy_${'a'.repeat(12)}_${'a'.repeat(42)}`])('does not parse %j', (key) => {
    expect(parseKey(key)).toBeUndefined();
  });

  it('reads a bearer token, and only a bearer token', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken(['Bearer one', 'Bearer two'])).toBe('one');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('redacts every key-shaped value, keeping the id of a well-formed key', () => {
    const { key, id } = issueKey();
    expect(redactKeys(`/v1/models?api_key=${key}&limit=5`)).toBe(`/v1/models?api_key=sy_${id}_[Redacted]&limit=5`);
    expect(redactKeys(`Bearer ${key}`)).toBe(`Bearer sy_${id}_[Redacted]`);
    // Truncated or mistyped keys are hidden too.
    expect(redactKeys(`x=${key.slice(0, 30)}`)).toBe(`x=sy_${id}_[Redacted]`);
    expect(redactKeys('token sy_NOT-A-REAL-KEY-but-secret')).toBe('token sy_[Redacted]');
    // Names that merely contain "sy_" are left alone.
    expect(redactKeys('/v1/models/easy_classification_model/predict')).toBe('/v1/models/easy_classification_model/predict');
    expect(redactKeys('/v1/models/sy_short')).toBe('/v1/models/sy_short');
  });

  it('reads a rate limit only when both rate and burst are set', () => {
    expect(rateLimitOf({ rateLimitPerSecond: 5, burst: 10 })).toEqual({ ratePerSecond: 5, burst: 10 });
    expect(rateLimitOf({ rateLimitPerSecond: null, burst: null })).toBeNull();
    expect(rateLimitOf({})).toBeNull();
  });
});

describe('ProvenSecrets', () => {
  const secretOf = (key: string) => parseKey(key)!.secret;

  it("accepts a key's secret (again and again) and refuses any other", () => {
    const proven = new ProvenSecrets();
    const issued = issueKey();
    const other = issueKey();
    for (let i = 0; i < 3; i++) expect(proven.matches(issued, secretOf(issued.key))).toBe(true);
    expect(proven.matches(issued, secretOf(other.key))).toBe(false);
    expect(proven.matches(issued, '')).toBe(false);
    // A secret proven for one key proves nothing for another.
    expect(proven.matches(other, secretOf(issued.key))).toBe(false);
    expect(proven.matches(other, secretOf(other.key))).toBe(true);
  });

  it('proves a secret again when its key has another salt and hash, and refuses it if it no longer matches', () => {
    const proven = new ProvenSecrets();
    const issued = issueKey();
    const secret = secretOf(issued.key);
    expect(proven.matches(issued, secret)).toBe(true);
    const rotated = issueKey();
    // The same id now stored with another salt and hash (a re-created key): the old secret is checked, and fails.
    expect(proven.matches({ salt: rotated.salt, hash: rotated.hash }, secret)).toBe(false);
    // The same salt and hash in a new record object (the key cache rebuilt): still proven.
    expect(proven.matches({ salt: issued.salt, hash: issued.hash }, secret)).toBe(true);
  });

  it('holds at most its capacity, and keeps proving after starting again', () => {
    const proven = new ProvenSecrets(2);
    const keys = [issueKey(), issueKey(), issueKey()];
    for (const key of keys) expect(proven.matches(key, secretOf(key.key))).toBe(true);
    expect((proven as unknown as { proven: Map<string, string> }).proven.size).toBeLessThanOrEqual(2);
    for (const key of keys) expect(proven.matches(key, secretOf(key.key))).toBe(true);
  });
});
