import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './roles';
import type { RateLimit } from './token-bucket';

/**
 * An API key reads `sy_<id>_<secret>`: the id (12 lowercase base32 characters) finds the record, the
 * secret (32 random bytes, base64url) proves possession. Only `sha256(salt ‖ secret)` is stored, with a
 * random salt per key. The secret has 256 bits of entropy, so a fast hash is enough: there is nothing
 * to brute-force that a slow hash would protect (slow hashes are for human-chosen passwords).
 */
const KEY_PATTERN = /^sy_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** What the registry stores and mirrors to the gateways: never the secret itself. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  salt: string;
  hash: string;
  roles: Role[];
  /** Models the key is limited to; null means every model. */
  models: string[] | null;
  revoked: boolean;
  /** Requests per second through all the gateways; null (or absent, from an older registry): no limit. */
  rateLimitPerSecond?: number | null;
  /** Requests the key may make at once before the rate applies; set whenever the rate is. */
  burst?: number | null;
}

/** The key's rate limit, or null when it has none. */
export function rateLimitOf(record: Pick<ApiKeyRecord, 'rateLimitPerSecond' | 'burst'>): RateLimit | null {
  return record.rateLimitPerSecond && record.burst ? { ratePerSecond: record.rateLimitPerSecond, burst: record.burst } : null;
}

export interface IssuedKey {
  /** The whole key, to show once. */
  key: string;
  id: string;
  salt: string;
  hash: string;
}

function newId(): string {
  return [...randomBytes(12)].map((byte) => BASE32[byte % 32]).join('');
}

export function hashSecret(salt: string, secret: string): string {
  return createHash('sha256').update(salt, 'hex').update(secret, 'utf8').digest('hex');
}

/** A fresh key and what to store for it. */
export function issueKey(): IssuedKey {
  const id = newId();
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('hex');
  return { key: `sy_${id}_${secret}`, id, salt, hash: hashSecret(salt, secret) };
}

/** The id and secret of a well-formed key; undefined for anything else. */
export function parseKey(key: string): { id: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1], secret: match[2] } : undefined;
}

export function isWellFormedKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** Compares in constant time, so the time a refusal takes says nothing about how close a guess was. */
export function secretMatches(record: Pick<ApiKeyRecord, 'salt' | 'hash'>, secret: string): boolean {
  const expected = Buffer.from(record.hash, 'hex');
  const actual = Buffer.from(hashSecret(record.salt, secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Secrets already proven against a key's stored hash, so a service that sends the same key on every
 * call pays the salted sha256 once, not per request (it was about 5 µs of the gateway's CPU per
 * prediction with auth on: the hash, its hex buffers and the digest). Keyed by the secret: a Map
 * lookup hashes the whole string and compares contents only on an equal hash, so how long a wrong
 * secret takes says nothing about how close it was. The value is the stored hash it matched: a
 * rotated or re-created key has another salt and hash, so its secret is proven again. Only secrets
 * that matched are kept, so unknown callers cannot fill it; at `capacity` it starts again.
 */
export class ProvenSecrets {
  private readonly proven = new Map<string, string>();

  constructor(private readonly capacity = 10_000) {}

  matches(record: Pick<ApiKeyRecord, 'salt' | 'hash'>, secret: string): boolean {
    if (this.proven.get(secret) === record.hash) return true;
    if (!secretMatches(record, secret)) return false;
    if (this.proven.size >= this.capacity) this.proven.clear();
    this.proven.set(secret, record.hash);
    return true;
  }
}

/**
 * Anything shaped like a key: `sy_` at the start of a word, then key characters. Looser than KEY_PATTERN
 * on purpose, so a truncated or mistyped key is hidden too; the id of a well-formed one is kept, since
 * it names the key (GET /v1/keys) without proving anything.
 */
const KEY_LIKE = /(?<![A-Za-z0-9])sy_(?:([a-z2-7]{12})_)?[A-Za-z0-9_-]{12,}/g;

/** The text with every key-shaped value replaced, for logs. */
export function redactKeys(text: string): string {
  return text.includes('sy_') ? text.replace(KEY_LIKE, (_match, id: string | undefined) => (id ? `sy_${id}_[Redacted]` : 'sy_[Redacted]')) : text;
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value) : null;
  return match ? match[1] : undefined;
}
