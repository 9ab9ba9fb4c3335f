import { createHmac } from 'node:crypto';
import { generateWebhookSecret, signWebhook, verifyWebhook, webhookSecretKey, webhookSignatureHeader } from './webhook-signature';

describe('webhook signatures (Standard Webhooks)', () => {
  // The key bytes of "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" are the base64-decoding of what follows the prefix.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('signs "id.timestamp.body" with HMAC-SHA256 under the decoded key, as v1,<base64>', () => {
    const body = '{"type":"version.ready"}';
    const expected = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')).update(`msg_1.1674087231.${body}`).digest('base64');
    expect(signWebhook(secret, 'msg_1', 1674087231, body)).toBe(`v1,${expected}`);
  });

  it('verifies its own signature, among several, and refuses a changed body, id, timestamp or secret', () => {
    const signature = signWebhook(secret, 'id-1', 100, 'body');
    expect(verifyWebhook(secret, 'id-1', 100, 'body', `v1,bm9wZQ== ${signature}`)).toBe(true);
    expect(verifyWebhook(secret, 'id-1', 100, 'body!', signature)).toBe(false);
    expect(verifyWebhook(secret, 'id-2', 100, 'body', signature)).toBe(false);
    expect(verifyWebhook(secret, 'id-1', 101, 'body', signature)).toBe(false);
    expect(verifyWebhook(generateWebhookSecret(), 'id-1', 100, 'body', signature)).toBe(false);
  });

  it('signs with the replaced secret too until it expires, so a receiver holding either verifies', () => {
    const previous = generateWebhookSecret();
    const now = new Date('2026-12-05T10:00:00Z');
    const rotated = { secret, previousSecret: previous, previousSecretExpiresAt: new Date('2026-12-06T10:00:00Z') };
    const header = webhookSignatureHeader(rotated, now, 'id-1', 100, 'body');
    expect(header).toBe(`${signWebhook(secret, 'id-1', 100, 'body')} ${signWebhook(previous, 'id-1', 100, 'body')}`);
    expect(verifyWebhook(secret, 'id-1', 100, 'body', header)).toBe(true);
    expect(verifyWebhook(previous, 'id-1', 100, 'body', header)).toBe(true);
    const expired = webhookSignatureHeader({ ...rotated, previousSecretExpiresAt: now }, now, 'id-1', 100, 'body');
    expect(expired).toBe(signWebhook(secret, 'id-1', 100, 'body'));
    expect(verifyWebhook(previous, 'id-1', 100, 'body', expired)).toBe(false);
    expect(webhookSignatureHeader({ secret, previousSecret: null, previousSecretExpiresAt: null }, now, 'id-1', 100, 'body')).toBe(signWebhook(secret, 'id-1', 100, 'body'));
  });

  it('generates well-formed secrets and refuses malformed ones', () => {
    expect(webhookSecretKey(generateWebhookSecret())).toHaveLength(32);
    for (const bad of ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_', 'whsec_c2hvcnQ=', 'whsec_not base64!', `whsec_${Buffer.alloc(65).toString('base64')}`]) {
      expect(webhookSecretKey(bad)).toBeUndefined();
    }
  });
});
