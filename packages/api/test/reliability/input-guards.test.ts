import { describe, expect, it } from 'vitest';
import { signWebhookPayload, verifyWebhookSignature } from '../../src/events/signing';
import { findUnstorableText } from '../../src/input-guards';

describe('findUnstorableText', () => {
  it('finds NUL characters and lone surrogates anywhere in an input, with their path', () => {
    expect(findUnstorableText({ name: 'a\u0000b' })).toMatchObject({ path: ['name'] });
    expect(findUnstorableText({ list: ['ok', { deep: 'x\ud800' }] })).toMatchObject({
      path: ['list', 1, 'deep'],
    });
    expect(findUnstorableText({ 'key\u0000': 1 })).toMatchObject({ path: ['key\u0000'] });
    expect(findUnstorableText('\udc00')).toMatchObject({ path: [] });
  });

  it('lets ordinary text through: unicode, emoji (paired surrogates), metacharacters, numbers, null', () => {
    expect(
      findUnstorableText({
        name: 'Ünïcødé 😀 <script>',
        sql: "' OR 1=1 --",
        n: 1,
        none: null,
        nested: [{ ok: 'مرحبا' }],
      }),
    ).toBeNull();
    expect(findUnstorableText(undefined)).toBeNull();
  });

  it('stops looking past a bounded depth (zod refuses such inputs anyway)', () => {
    let value: unknown = 'a\u0000';
    for (let i = 0; i < 100; i++) value = { a: value };
    expect(findUnstorableText(value)).toBeNull();
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1"}';

  it('verifies a signature made over timestamp.body within the tolerance', () => {
    const timestamp = 1_700_000_000;
    const signature = signWebhookPayload(secret, timestamp, body);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(
      verifyWebhookSignature({ secret, body, timestamp: String(timestamp), signature, now: timestamp + 10 }),
    ).toBe(true);
  });

  it('refuses a wrong secret, a changed body, a moved timestamp, a stale one, and malformed headers', () => {
    const timestamp = 1_700_000_000;
    const signature = signWebhookPayload(secret, timestamp, body);
    const base = { secret, body, timestamp: String(timestamp), signature, now: timestamp };
    expect(verifyWebhookSignature({ ...base, secret: 'whsec_other' })).toBe(false);
    expect(verifyWebhookSignature({ ...base, body: '{"id":"e2"}' })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: String(timestamp + 1), now: timestamp + 1 })).toBe(
      false,
    );
    expect(verifyWebhookSignature({ ...base, now: timestamp + 301 })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: 'abc' })).toBe(false);
    expect(verifyWebhookSignature({ ...base, signature: null })).toBe(false);
    expect(verifyWebhookSignature({ ...base, signature: 'v1=00' })).toBe(false);
  });
});
