import { MAIL_LOCALES, ROLES } from '@roster/db';
import { z } from 'zod';

/** Opaque ids (UUIDs under the hood; callers should not rely on the format). */
export const id = z.uuid({ message: 'Expected an id' });
export const role = z.enum(ROLES);
export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .pipe(z.email({ message: 'Expected an email address' }));
export const name = z.string().trim().min(1).max(200);
export const slug = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'Use lower-case letters, digits and dashes');
/** Keyset cursors are opaque strings. */
export const cursor = z.string().min(1).max(200);
export const limit = z.number().int().min(1).max(100).default(25);

// Output schemas' building blocks: every answer gives times as ISO 8601 strings in UTC.
export const isoDateTime = z.iso.datetime();
/** A time as every answer gives it: an ISO 8601 string in UTC (`2026-11-30T09:15:00.000Z`). */
export function isoTime(value: Date | string): string {
  return new Date(value).toISOString();
}
/** A keyset page of `item`s: pass `nextCursor` back as `cursor` until it is null. */
export function keysetPageOutput<Item extends z.ZodType>(item: Item) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
/** The token of a mailed link: 32 random bytes, base64url (43 characters). Anything else is malformed. */
export const emailToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'Expected the token from the link');
/** The language of a user's mails. */
export const locale = z.enum(MAIL_LOCALES);
