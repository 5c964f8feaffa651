import type { Role } from '@roster/db';
import { sql } from 'kysely';
import type { Db } from './db';

/**
 * A pending invitation for this email that has expired no longer blocks a new one: it is revoked
 * (by nobody) so the partial unique index on pending (organization, email) admits the new row.
 */
export async function retireExpiredInvitation(trx: Db, organizationId: string, email: string) {
  await trx
    .updateTable('invitations')
    .set({ status: 'revoked', revoked_at: sql<Date>`now()` })
    .where('organization_id', '=', organizationId)
    .where('email', '=', email)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
}

export async function insertInvitation(
  trx: Db,
  values: {
    organizationId: string;
    email: string;
    role: Role;
    /** The person who invites (for a key, the person it acts for); null for an organization's own key. */
    invitedBy: string | null;
    /** The API key that invites, when a key does. */
    invitedByApiKeyId: string | null;
    expiresAt: Date;
  },
) {
  return trx
    .insertInto('invitations')
    .values({
      organization_id: values.organizationId,
      email: values.email,
      role: values.role,
      invited_by: values.invitedBy,
      invited_by_api_key_id: values.invitedByApiKeyId,
      expires_at: values.expiresAt,
    })
    .returning(['id', 'organization_id', 'email', 'role', 'status', 'invited_by', 'created_at', 'expires_at'])
    .executeTakeFirstOrThrow();
}

/** The organization's pending invitations (expired ones included, flagged by the caller), newest first. */
export async function listPendingInvitations(db: Db, organizationId: string) {
  return db
    .selectFrom('invitations as i')
    .leftJoin('users as u', 'u.id', 'i.invited_by')
    .leftJoin('api_keys as k', 'k.id', 'i.invited_by_api_key_id')
    .select([
      'i.id',
      'i.email',
      'i.invited_by_api_key_id',
      'k.name as invited_by_api_key_name',
      'i.role',
      'i.status',
      'i.invited_by',
      'i.created_at',
      'i.expires_at',
      'u.name as invited_by_name',
      'u.email as invited_by_email',
    ])
    .where('i.organization_id', '=', organizationId)
    .where('i.status', '=', 'pending')
    .orderBy('i.created_at', 'desc')
    .orderBy('i.id', 'desc')
    .limit(500)
    .execute();
}

/** Pending, unexpired invitations addressed to an email, across organizations. */
export async function listPendingInvitationsForEmail(db: Db, email: string) {
  return db
    .selectFrom('invitations as i')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .leftJoin('users as u', 'u.id', 'i.invited_by')
    .select([
      'i.id',
      'i.role',
      'i.created_at',
      'i.expires_at',
      'o.id as organization_id',
      'o.slug as organization_slug',
      'o.name as organization_name',
      'u.name as invited_by_name',
      'u.email as invited_by_email',
    ])
    .where('i.email', '=', email)
    .where('i.status', '=', 'pending')
    .where('i.expires_at', '>', sql<Date>`now()`)
    .where('o.status', '=', 'active')
    .orderBy('i.created_at', 'desc')
    .orderBy('i.id', 'desc')
    .limit(100)
    .execute();
}

function selectInvitation(db: Db, invitationId: string) {
  return db
    .selectFrom('invitations')
    .select(['id', 'organization_id', 'email', 'role', 'status', 'invited_by', 'expires_at'])
    .where('id', '=', invitationId);
}

export async function findInvitation(db: Db, invitationId: string) {
  return selectInvitation(db, invitationId).executeTakeFirst();
}

/** Locks one invitation row (accept and revoke serialize on it). */
export async function lockInvitation(trx: Db, invitationId: string) {
  return selectInvitation(trx, invitationId).forUpdate().executeTakeFirst();
}

export async function markInvitationRevoked(trx: Db, invitationId: string, revokedBy: string | null) {
  return trx
    .updateTable('invitations')
    .set({ status: 'revoked', revoked_at: sql<Date>`now()`, revoked_by: revokedBy })
    .where('id', '=', invitationId)
    .where('status', '=', 'pending')
    .returning(['id', 'status', 'revoked_at'])
    .executeTakeFirst();
}

export async function markInvitationAccepted(trx: Db, invitationId: string, userId: string) {
  await trx
    .updateTable('invitations')
    .set({ status: 'accepted', accepted_at: sql<Date>`now()`, accepted_by: userId })
    .where('id', '=', invitationId)
    .execute();
}

/** The invitation's link was (re)queued for mailing now: resends are rate-limited on this. */
export async function markInvitationMailed(trx: Db, invitationId: string) {
  await trx
    .updateTable('invitations')
    .set({ last_mailed_at: sql<Date>`now()` })
    .where('id', '=', invitationId)
    .execute();
}

/** Locks one invitation with what a resend checks. */
export async function lockInvitationForResend(trx: Db, invitationId: string) {
  return trx
    .selectFrom('invitations')
    .select([
      'id',
      'organization_id',
      'email',
      'role',
      'status',
      'expires_at',
      'invited_by',
      sql<number | null>`extract(epoch from (now() - last_mailed_at))`.as('seconds_since_mailed'),
    ])
    .where('id', '=', invitationId)
    .forUpdate()
    .executeTakeFirst();
}
