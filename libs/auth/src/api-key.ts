import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './roles';

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

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value) : null;
  return match ? match[1] : undefined;
}
