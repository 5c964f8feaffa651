import type { Database } from '@roster/db';
import { type Kysely, sql } from 'kysely';
import { generateSessionToken, sha256Hex } from './tokens';

/** The session cookie's name. */
export const SESSION_COOKIE = 'roster_session';
/** How long a session lasts from sign-in. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface NewSession {
  id: string;
  /** The opaque token for the cookie; only its SHA-256 is stored. */
  token: string;
  expiresAt: Date;
}

export async function createSession(
  db: Kysely<Database>,
  userId: string,
  activeOrganizationId: string | null,
): Promise<NewSession> {
  const token = generateSessionToken();
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  const row = await db
    .insertInto('sessions')
    .values({
      user_id: userId,
      token_hash: sha256Hex(token),
      active_organization_id: activeOrganizationId,
      expires_at: expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token, expiresAt };
}

/** The live session (not revoked, not expired) a token belongs to, or undefined. */
export async function findLiveSessionByToken(db: Kysely<Database>, token: string) {
  return db
    .selectFrom('sessions')
    .select(['id', 'user_id'])
    .where('token_hash', '=', sha256Hex(token))
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

export async function revokeSession(db: Kysely<Database>, sessionId: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .execute();
}

/**
 * The session's active organization, or null when it has none, or the caller is no longer an active
 * member of it (a leave or removal clears the pointer, but the membership is checked as well).
 */
export async function findActiveOrganizationId(
  db: Kysely<Database>,
  sessionId: string,
  userId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('memberships as m', (join) =>
      join
        .onRef('m.organization_id', '=', 's.active_organization_id')
        .on('m.user_id', '=', userId)
        .on('m.status', '=', 'active'),
    )
    .select('s.active_organization_id')
    .where('s.id', '=', sessionId)
    .executeTakeFirst();
  return row?.active_organization_id ?? null;
}

export async function setSessionActiveOrganization(
  db: Kysely<Database>,
  sessionId: string,
  organizationId: string,
): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ active_organization_id: organizationId })
    .where('id', '=', sessionId)
    .execute();
}

/** The user's oldest active membership's organization: where a fresh session starts. */
export async function findFirstActiveOrganizationId(
  db: Kysely<Database>,
  userId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('memberships')
    .select('organization_id')
    .where('user_id', '=', userId)
    .where('status', '=', 'active')
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.organization_id ?? null;
}
