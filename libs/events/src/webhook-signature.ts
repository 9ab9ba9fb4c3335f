import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signatures in the manner of the Standard Webhooks convention (standardwebhooks.com): the secret is
 * `whsec_` + base64 of the key bytes; a delivery carries `webhook-id`, `webhook-timestamp` (Unix
 * seconds) and `webhook-signature: v1,<base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, so
 * the receivers' stock libraries verify it.
 */
const PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

export function generateWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** The key bytes of a well-formed secret, or undefined. */
export function webhookSecretKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const encoded = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= MIN_KEY_BYTES && key.length <= MAX_KEY_BYTES ? key : undefined;
}

export const WEBHOOK_SECRET_RULE = `"${PREFIX}" followed by the base64 of ${MIN_KEY_BYTES}–${MAX_KEY_BYTES} random bytes`;

export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = webhookSecretKey(secret);
  if (!key) throw new Error('malformed webhook secret');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A webhook's secrets as stored: the current one, and the one its last rotation replaced. */
export interface WebhookSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

/**
 * The `webhook-signature` header of a delivery at `now`: signed with the current secret and, until it
 * expires, the one a rotation replaced, space-separated as the convention provides for rotations, so
 * a receiver holding either verifies it.
 */
export function webhookSignatureHeader(secrets: WebhookSecrets, now: Date, id: string, timestamp: number, body: string): string {
  const current = signWebhook(secrets.secret, id, timestamp, body);
  const overlapping = secrets.previousSecret !== null && secrets.previousSecretExpiresAt !== null && secrets.previousSecretExpiresAt > now;
  return overlapping ? `${current} ${signWebhook(secrets.previousSecret!, id, timestamp, body)}` : current;
}

/** A receiver's check: one of the space-separated `v1,` signatures matches. */
export function verifyWebhook(secret: string, id: string, timestamp: number, body: string, header: string): boolean {
  const expected = Buffer.from(signWebhook(secret, id, timestamp, body));
  return header.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
