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
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A well-shaped timestamp that names a real instant (no month 13, no 30 February, no hour 24). */
function isRealInstant(at: string): boolean {
  const ms = Date.parse(at);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === at.slice(0, 19);
}

/** Decodes a cursor from `encodeCursor`; anything else is bad input (nothing is read). */
export function decodeCursor(cursor: string): KeysetPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  const position = value as Partial<KeysetPosition> | null;
  if (
    typeof position?.at !== 'string' ||
    typeof position.id !== 'string' ||
    !TIMESTAMP.test(position.at) ||
    !isRealInstant(position.at) ||
    !UUID.test(position.id)
  ) {
    throw new RosterError('VALIDATION_FAILED', 'Invalid cursor', { details: { field: 'cursor' } });
  }
  return { at: position.at, id: position.id };
}

/** The input of an organization's keyset-paged list: pass `nextCursor` back as `cursor` until it is null. */
export const keysetPageInput = z.strictObject({
  organizationId: id,
  cursor: cursor.nullish(),
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
