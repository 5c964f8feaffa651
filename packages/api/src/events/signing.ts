import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The Standard Webhooks headers (https://www.standardwebhooks.com): receivers verify them with the
 * `standardwebhooks` library of their language and the `whsec_` secret.
 */
export const STANDARD_WEBHOOK_HEADERS = {
  /** The outbox event's id: the same on every retry and redelivery, so receivers can de-duplicate. */
  id: 'webhook-id',
  /** Unix time in seconds when this attempt was signed. */
  timestamp: 'webhook-timestamp',
  /** `v1,<base64 HMAC-SHA256 of "${id}.${timestamp}.${body}">`, keyed with the secret's bytes. */
  signature: 'webhook-signature',
} as const;

/**
 * Roster's own headers from before Standard Webhooks, still sent for one release (deprecated; removed in
 * the next): verify `webhook-signature` instead.
 */
export const WEBHOOK_HEADERS = {
  /** The outbox event's id: the same on every retry, so receivers can de-duplicate. */
  eventId: 'roster-event-id',
  eventType: 'roster-event-type',
  /** Unix time in seconds when this attempt was signed. */
  timestamp: 'roster-timestamp',
  /** `v1=<hex HMAC-SHA256 of "${timestamp}.${body}" keyed with the webhook's secret>`. */
  signature: 'roster-signature',
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: 'roster-delivery-attempt',
} as const;

/** A new signing secret, shown to the owner once: `whsec_` and 32 random bytes in base64 (Standard Webhooks). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The HMAC key of a `whsec_` secret: the bytes after the prefix, base64-decoded. Secrets made before
 * 2026-11-30 are base64url, which Buffer decodes too (the standardwebhooks libraries do not: rotate them).
 */
export function webhookSigningKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** The `webhook-signature` value (Standard Webhooks, version 1) for one attempt. */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', webhookSigningKey(secret))
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** The deprecated `roster-signature` value for a body sent at `timestamp` (Unix seconds). */
export function signWebhookPayload(secret: string, timestamp: number | string, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `v1=${mac}`;
}

export interface VerifyWebhookOptions {
  secret: string;
  /** The raw request body, exactly as received (before JSON.parse). */
  body: string;
  timestamp: string | undefined | null;
  signature: string | undefined | null;
  /** Refuse signatures older (or newer) than this many seconds, against replays. Default 300. */
  toleranceSeconds?: number;
  /** Current Unix time in seconds (for tests). */
  now?: number;
}

/** What a receiver does: recompute the HMAC and compare it in constant time, within a time window. */
export function verifyWebhookSignature(options: VerifyWebhookOptions): boolean {
  const { secret, body, timestamp, signature } = options;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhookPayload(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
