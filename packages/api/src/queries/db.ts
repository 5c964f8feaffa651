import type { Database } from '@roster/db';
import type { Kysely, Transaction } from 'kysely';

/** A database or a transaction: query functions take either, first. */
export type Db = Kysely<Database> | Transaction<Database>;

/** Is `error` Postgres' unique_violation (23505), optionally on the named constraint or index? */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e?.code !== '23505') return false;
  if (!constraint) return true;
  if (e.constraint === constraint) return true;
  return typeof e.message === 'string' && e.message.includes(constraint);
}

/** A timestamp column as Postgres prints it in UTC with microseconds, for keyset cursors. */
export const KEYSET_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';
