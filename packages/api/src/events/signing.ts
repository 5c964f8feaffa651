import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Headers of every webhook request. */
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

/** A new signing secret, shown to the owner once. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The signature header value for a body sent at `timestamp` (Unix seconds). */
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
