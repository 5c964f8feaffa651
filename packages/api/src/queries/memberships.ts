import type { OrganizationStatus, Role } from '@roster/db';
import { sql } from 'kysely';
import { type Db, KEYSET_TIME_FORMAT } from './db';

export interface MembershipChangeState {
  activeOwnerCount: number;
  /** The acting person's active membership; null for API keys or when it is no longer active. */
  actor: { id: string; role: Role } | null;
  /**
   * For an API key actor: the key, when it is still live (not revoked) in this organization — whom it
   * acts for, that person's active role now (see `apiKeyRole`) and whether it has expired since. A key
   * revoked by its creator's leave after the request authenticated is caught here, under the lock.
   */
  actorApiKey: (ApiKeyActsFor & { expired: boolean }) | null;
  /** The membership being changed, when it is active in this organization. */
  target: { id: string; role: Role; userId: string } | null;
  /** When the actor is the target (a leave): their most recently joined other active organization. */
  nextOrganization: { id: string; slug: string } | null;
}

export interface LockedOrganization {
  id: string;
  slug: string;
  name: string;
  status: OrganizationStatus;
  deletion_scheduled_at: Date | null;
  deletion_due_at: Date | null;
  deletion_due: boolean;
}

/**
 * Locks the organization row and reads everything a membership change decides on, in ONE round trip:
 * the `roster_lock_membership_change` function (migration 2026-11-30T0700) takes the lock (`FOR NO KEY
 * UPDATE`) in one statement and reads in the next, with a snapshot taken after the lock was granted,
 * so the read sees every change committed before (READ COMMITTED). It reads the active owner count, the
 * actor's and the target's active memberships, the acting key, and — for a leave, when the actor is
 * the target — where the leaver goes next. The lock is taken only for a caller who may be there
 * (`locked`); `organization` is null when the organization does not exist.
 * `targetMembershipId` null: the target is the actor's own membership.
 */
export async function lockForMembershipChange(
  trx: Db,
  params: {
    organizationId: string;
    actorUserId: string | null;
    actorApiKeyId: string | null;
    targetMembershipId: string | null;
    withNextOrganization: boolean;
  },
): Promise<MembershipChangeState & { locked: boolean; organization: LockedOrganization | null }> {
  const { organizationId } = params;
  const result = await sql<{
    locked: boolean;
    organization_found: boolean;
    organization_slug: string | null;
    organization_name: string | null;
    organization_status: OrganizationStatus | null;
    deletion_scheduled_at: Date | null;
    deletion_due_at: Date | null;
    deletion_due: boolean;
    active_owner_count: number;
    actor_id: string | null;
    actor_role: Role | null;
    actor_api_key_id: string | null;
    actor_api_key_expired: boolean;
    actor_api_key_acts_for: string | null;
    actor_api_key_person_role: Role | null;
    target_id: string | null;
    target_role: Role | null;
    target_user_id: string | null;
    next_id: string | null;
    next_slug: string | null;
  }>`
    select * from roster_lock_membership_change(${organizationId}::uuid, ${params.actorUserId}::uuid,
      ${params.actorApiKeyId}::uuid, ${params.targetMembershipId}::uuid, ${params.withNextOrganization}::boolean)
  `.execute(trx);
  const row = result.rows[0];
  if (!row) throw new Error('roster_lock_membership_change returned no row');
  return {
    locked: row.locked,
    organization: row.organization_found
      ? {
          id: organizationId,
          slug: row.organization_slug as string,
          name: row.organization_name as string,
          status: row.organization_status as OrganizationStatus,
          deletion_scheduled_at: row.deletion_scheduled_at,
          deletion_due_at: row.deletion_due_at,
          deletion_due: row.deletion_due,
        }
      : null,
    activeOwnerCount: Number(row.active_owner_count),
    actor: row.actor_id && row.actor_role ? { id: row.actor_id, role: row.actor_role } : null,
    actorApiKey:
      row.actor_api_key_id !== null
        ? {
            actsForUserId: row.actor_api_key_acts_for,
            personRole: row.actor_api_key_person_role,
            expired: row.actor_api_key_expired,
          }
        : null,
    target:
      row.target_id && row.target_role && row.target_user_id
        ? { id: row.target_id, role: row.target_role, userId: row.target_user_id }
        : null,
    nextOrganization: row.next_id && row.next_slug ? { id: row.next_id, slug: row.next_slug } : null,
  };
}

export async function insertMembership(
  trx: Db,
  values: { organizationId: string; userId: string; role: Role },
) {
  return trx
    .insertInto('memberships')
    .values({ organization_id: values.organizationId, user_id: values.userId, role: values.role })
    .returning(['id', 'organization_id', 'user_id', 'role', 'created_at'])
    .executeTakeFirstOrThrow();
}

export async function setMembershipRole(trx: Db, membershipId: string, role: Role) {
  await trx
    .updateTable('memberships')
    .set({ role })
    .where('id', '=', membershipId)
    .where('status', '=', 'active')
    .execute();
}

/** A live API key's person (null: the organization's own key) and that person's active role now. */
export interface ApiKeyActsFor {
  actsForUserId: string | null;
  personRole: Role | null;
}

/**
 * Whether a user with this email is an active member of the organization (invitations.create refuses
 * with ALREADY_MEMBER). Run it under the organization lock: a fresh snapshot.
 */
export async function isActiveMemberEmail(trx: Db, organizationId: string, email: string): Promise<boolean> {
  const row = await trx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('m.id')
    .where('m.organization_id', '=', organizationId)
    .where('m.status', '=', 'active')
    .where('u.email', '=', email)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * One page of active members in (created_at, id) order, starting after `after`. Reads `limit + 1`
 * rows to know whether another page follows. Uses the partial index memberships_active_keyset_idx.
 */
/** `text` as a LIKE pattern that matches it literally anywhere: `%`, `_` and `\\` lose their meaning. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of the organization's active members in joining order, starting after `after`; optionally
 * only those whose name or email contains `query` (case-insensitive; trigram indexes serve it) and only
 * one `role` (its own keyset index).
 */
export async function listActiveMembersPage(
  db: Db,
  params: {
    organizationId: string;
    after: { at: string; id: string } | null;
    limit: number;
    query?: string | undefined;
    role?: Role | undefined;
  },
) {
  let query = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'm.id',
      'm.user_id',
      'm.role',
      'm.created_at',
      'u.email',
      'u.name',
      sql<string>`to_char(m.created_at at time zone 'UTC', ${KEYSET_TIME_FORMAT})`.as('keyset_at'),
    ])
    .where('m.organization_id', '=', params.organizationId)
    .where('m.status', '=', 'active');
  if (params.role) query = query.where('m.role', '=', params.role);
  if (params.query) {
    const pattern = containsPattern(params.query);
    query = query.where((eb) => eb.or([eb('u.name', 'ilike', pattern), eb('u.email', 'ilike', pattern)]));
  }
  if (params.after) {
    const { at, id } = params.after;
    query = query.where(sql<boolean>`(m.created_at, m.id) > (${at}::timestamptz, ${id}::uuid)`);
  }
  return query
    .orderBy('m.created_at')
    .orderBy('m.id')
    .limit(params.limit + 1)
    .execute();
}
