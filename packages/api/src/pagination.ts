import { z } from 'zod';
import { RosterError } from './errors';
import { cursor, id, limit } from './validation';

/**
 * Keyset cursors: the (created_at, id) of the last row of a page, as base64url JSON. `at` is the
 * timestamp as Postgres prints it with microseconds (a JS Date would drop them and skip or repeat rows).
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ at: position.at, id: position.id })).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;

/**
 * Is `at` a real instant in the format `encodeCursor` writes? The shape alone is not enough: the 30th
 * of February, hour 24 or second 60 have the shape, and the database refuses them (a 500, once). Every
 * field is checked against the calendar, and the year against what PostgreSQL and JavaScript both hold.
 */
function isKeysetTimestamp(at: string): boolean {
  const match = TIMESTAMP.exec(at);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  // Day 0 of the next month is the last day of this one (Date.UTC maps years 0..99 to 19xx: set it apart).
  const lastDay = new Date(Date.UTC(2000, month, 0));
  lastDay.setUTCFullYear(year, month, 0);
  return day >= 1 && day <= lastDay.getUTCDate();
}

/** The position in a cursor, or null when it is not one `encodeCursor` could have written. */
function parseCursor(cursor: string): KeysetPosition | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const position = value as Partial<KeysetPosition> | null;
  if (
    typeof position !== 'object' ||
    position === null ||
    Object.keys(position).length !== 2 ||
    typeof position.at !== 'string' ||
    typeof position.id !== 'string' ||
    !isKeysetTimestamp(position.at) ||
    !UUID.test(position.id)
  ) {
    return null;
  }
  return { at: position.at, id: position.id };
}

/** Decodes a cursor from `encodeCursor`; anything else is bad input (nothing is read). */
export function decodeCursor(cursor: string): KeysetPosition {
  const position = parseCursor(cursor);
  if (!position)
    throw new RosterError('VALIDATION_FAILED', 'Invalid cursor', { details: { field: 'cursor' } });
  return position;
}

/**
 * A keyset cursor as input: an opaque string to callers, checked completely before any handler runs
 * (a zod issue on `cursor`, so VALIDATION_FAILED names the field), so nothing crafted reaches the database.
 */
export const keysetCursor = cursor.refine((value) => parseCursor(value) !== null, {
  message: 'Invalid cursor: pass back a nextCursor from the same list',
});

/** The input of an organization's keyset-paged list: pass `nextCursor` back as `cursor` until it is null. */
export const keysetPageInput = z.strictObject({
  organizationId: id,
  cursor: keysetCursor.nullish(),
  limit,
  /** Sent by tRPC's `useInfiniteQuery` (e.g. @roster/react's `useMembers`) with every page; pages only go forward. */
  direction: z.enum(['forward', 'backward']).optional(),
});

/**
 * Reads one keyset page: asks `read` for one row more than the page size (to know whether another
 * page follows), maps the page's rows, and makes the cursor from the last one.
 */
export async function readKeysetPage<Row extends { id: string; keyset_at: string }, Item>(
  input: { cursor?: string | null | undefined; limit: number },
  read: (after: KeysetPosition | null, limit: number) => Promise<Row[]>,
  toItem: (row: Row) => Item,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const pageSize = input.limit;
  const rows = await read(input.cursor ? decodeCursor(input.cursor) : null, pageSize);
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > pageSize && last ? encodeCursor({ at: last.keyset_at, id: last.id }) : null,
  };
}
