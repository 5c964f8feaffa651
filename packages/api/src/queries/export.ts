import type { Db } from './db';

/** Every membership of the organization (active and ended), with who the member is, in joining order. */
export async function listAllMemberships(db: Db, organizationId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'm.id',
      'm.user_id',
      'u.email',
      'u.name',
      'm.role',
      'm.status',
      'm.created_at',
      'm.removed_at',
      'm.removed_by',
      'm.removal_reason',
    ])
    .where('m.organization_id', '=', organizationId)
    .orderBy('m.created_at')
    .orderBy('m.id')
    .execute();
}

/** Every invitation of the organization, oldest first. */
export async function listAllInvitations(db: Db, organizationId: string) {
  return db
    .selectFrom('invitations')
    .select([
      'id',
      'email',
      'role',
      'status',
      'invited_by',
      'created_at',
      'expires_at',
      'accepted_at',
      'accepted_by',
      'revoked_at',
      'revoked_by',
    ])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** The organization's whole audit log, oldest first. */
export async function listAllAuditEntries(db: Db, organizationId: string) {
  return db
    .selectFrom('audit_log')
    .select([
      'id',
      'action',
      'actor_user_id',
      'actor_api_key_id',
      'target_user_id',
      'target_membership_id',
      'metadata',
      'created_at',
    ])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}
