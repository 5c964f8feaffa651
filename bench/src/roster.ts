import { createHash } from 'node:crypto';
import { createCaller, createContextInner, SESSION_COOKIE } from '@roster/api';
import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';

/**
 * Everything the bench assumes about Roster's identity scheme, in one place.
 * Sessions: an opaque token in the `SESSION_COOKIE` cookie, stored as the SHA-256 (hex) of the token.
 */
export { SESSION_COOKIE };

/**
 * A seeded session token, shaped like a real one (32 bytes, base64url, 43 characters): the SHA-256 of a
 * deterministic key. `sqlSessionToken` computes the same in SQL.
 */
export function sessionToken(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

export function sqlSessionToken(keyExpr: string): string {
  return `rtrim(translate(encode(sha256(convert_to(${keyExpr}, 'UTF8')), 'base64'), '+/', '-_'), '=')`;
}

/** SQL computing the stored hash (SHA-256, hex) of the token that `tokenExpr` evaluates to. */
export function sqlSessionTokenHash(tokenExpr: string): string {
  return `encode(sha256(convert_to(${tokenExpr}, 'UTF8')), 'hex')`;
}

/** Headers of a cookie-authenticated call from the app's own origin. */
export function sessionHeaders(token: string, origin: string): Record<string, string> {
  return { cookie: `${SESSION_COOKIE}=${token}`, origin };
}

// The members router is typed by @roster/api; the bench calls it loosely so it builds whatever the
// router's exact input types are.
export type LooseCaller = {
  members: {
    leave(input: unknown): Promise<unknown>;
    remove(input: unknown): Promise<unknown>;
    list(input: unknown): Promise<unknown>;
  };
};

/** The procedures as user `userId` calls them through `createCaller` (no HTTP, no authentication). */
export function callerAs(db: Kysely<Database>, userId: string): LooseCaller {
  return createCaller(
    createContextInner({ db, caller: { type: 'user', userId, sessionId: null } }),
  ) as unknown as LooseCaller;
}

/** members.leave input. */
export function leaveInput(organizationId: string): unknown {
  return { organizationId };
}

/** members.remove input: the target by membership id. */
export function removeInput(organizationId: string, membershipId: string): unknown {
  return { organizationId, memberId: membershipId };
}

export const LIST_PAGE_SIZE = 50;

/** The search and role filter of a members.list page (none for the plain list). */
export interface ListFilters {
  query?: string;
  role?: 'owner' | 'admin' | 'member' | 'viewer';
}

/** members.list input for a page. */
export function listInput(
  organizationId: string,
  cursor: string | undefined,
  filters: ListFilters = {},
): unknown {
  return cursor
    ? { organizationId, limit: LIST_PAGE_SIZE, cursor, ...filters }
    : { organizationId, limit: LIST_PAGE_SIZE, ...filters };
}

/**
 * The members.list cursor pointing just after a row: base64url JSON of its (created_at, id), the
 * timestamp as Postgres prints it in UTC with microseconds (`keysetAt`, see KEYSET_AT_SQL).
 */
export function listCursorFor(row: { id: string; keysetAt: string }): string {
  return Buffer.from(JSON.stringify({ at: row.keysetAt, id: row.id })).toString('base64url');
}

export const KEYSET_AT_SQL = `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Environment for the server under load: rate limits raised so they never answer 429 in the bench; the
 * outbox dispatcher off, so the server does what the raw-SQL limit does (write the event in the
 * transaction) and not, besides, deliver the events (a background job of its own, after commit).
 */
export const SERVER_BENCH_ENV: Record<string, string> = {
  DISPATCHER_INTERVAL_MS: '0',
  RATE_LIMIT_MAX: '100000000',
  RATE_LIMIT_WINDOW_SECONDS: '60',
  SEED_DEMO: '0',
};
