import type { Role } from '@roster/db';
import { sql } from 'kysely';
import { type Db, KEYSET_TIME_FORMAT } from './db';

export interface MembershipChangeState {
  activeOwnerCount: number;
  /** The acting person's active membership; null for API keys or when it is no longer active. */
  actor: { id: string; role: Role } | null;
  /**
   * For an API key actor: the key is still live (not revoked) in this organization. A key revoked by
   * its creator's leave after the request authenticated is caught here, under the lock.
   */
  actorApiKeyLive: boolean;
  /** For a live API key actor: whom it acts for, and that person's active role now (see `apiKeyRole`). */
  actorApiKey: ApiKeyActsFor | null;
  /** The membership being changed, when it is active in this organization. */
  target: { id: string; role: Role; userId: string } | null;
  /** When the actor is the target (a leave): their most recently joined other active organization. */
  nextOrganization: { id: string; slug: string } | null;
}

/**
 * Everything a membership change decides on, in one statement: the active owner count, the actor's
 * and the target's active memberships and, for a leave, where the leaver goes next (looked up only
 * when the actor is the target, `a.id = t.id`, so removing someone else skips it). Run it after
 * `lockOrganization`: in READ COMMITTED each statement takes a fresh snapshot, so this one sees every
 * change committed before the lock was granted.
 */
export async function readMembershipChangeState(
  trx: Db,
  params: {
    organizationId: string;
    actorUserId: string | null;
    /** The acting API key, re-checked for revocation in the same statement. */
    actorApiKeyId?: string | null;
    targetMembershipId: string;
    nextOrganizationForUserId?: string | null;
  },
): Promise<MembershipChangeState> {
  const { organizationId } = params;
  const result = await sql<{
    active_owner_count: number;
    actor_id: string | null;
    actor_role: Role | null;
    actor_api_key_id: string | null;
    actor_api_key_acts_for: string | null;
    actor_api_key_person_role: Role | null;
    target_id: string | null;
    target_role: Role | null;
    target_user_id: string | null;
    next_id: string | null;
    next_slug: string | null;
  }>`
    select
      (select count(*)::int from memberships
        where organization_id = ${organizationId} and status = 'active' and role = 'owner') as active_owner_count,
      a.id as actor_id, a.role as actor_role, k.id as actor_api_key_id,
      case when k.organization_owned_at is null then k.created_by end as actor_api_key_acts_for,
      kp.role as actor_api_key_person_role,
      t.id as target_id, t.role as target_role, t.user_id as target_user_id,
      n.id as next_id, n.slug as next_slug
    from (select 1) as one
    left join memberships a
      on a.organization_id = ${organizationId} and a.user_id = ${params.actorUserId}::uuid and a.status = 'active'
    left join api_keys k
      on k.id = ${params.actorApiKeyId ?? null}::uuid and k.organization_id = ${organizationId} and k.revoked_at is null
    left join memberships kp
      on kp.organization_id = ${organizationId} and kp.user_id = k.created_by and kp.status = 'active'
        and k.organization_owned_at is null
    left join memberships t
      on t.organization_id = ${organizationId} and t.id = ${params.targetMembershipId}::uuid and t.status = 'active'
    left join lateral (
      select o.id, o.slug
      from memberships m join organizations o on o.id = m.organization_id
      where m.user_id = ${params.nextOrganizationForUserId ?? null}::uuid and a.id = t.id
        and m.status = 'active' and m.organization_id <> ${organizationId}
      order by m.created_at desc, m.id desc
      limit 1
    ) n on true
  `.execute(trx);
  const row = result.rows[0];
  if (!row) throw new Error('readMembershipChangeState returned no row');
  return {
    activeOwnerCount: Number(row.active_owner_count),
    actor: row.actor_id && row.actor_role ? { id: row.actor_id, role: row.actor_role } : null,
    actorApiKeyLive: row.actor_api_key_id !== null,
    actorApiKey:
      row.actor_api_key_id !== null
        ? { actsForUserId: row.actor_api_key_acts_for, personRole: row.actor_api_key_person_role }
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

export interface ActorAccessState {
  /** The acting person's active role in the organization; null when not (or no longer) a member. */
  role: Role | null;
  /** The acting API key is live (not revoked) in the organization. */
  apiKeyLive: boolean;
  /** For a live API key: whom it acts for, and their role now. */
  apiKey: ApiKeyActsFor | null;
  /** When asked with `memberEmail`: a user with that email is an active member. */
  emailIsActiveMember: boolean;
}

/**
 * The actor's access re-read in one statement, after `lockOrganization` (fresh snapshot): the person's
 * active role, or whether the API key is still live; optionally whether an email is already a member.
 * What the guard read before the lock may have ended since — a leave, a removal, a key revocation.
 */
export async function readActorAccess(
  trx: Db,
  params: {
    organizationId: string;
    actorUserId: string | null;
    actorApiKeyId: string | null;
    memberEmail?: string | null;
  },
): Promise<ActorAccessState> {
  const { organizationId } = params;
  const result = await sql<{
    actor_role: Role | null;
    api_key_id: string | null;
    api_key_acts_for: string | null;
    api_key_person_role: Role | null;
    email_is_member: boolean;
  }>`
    select
      (select role from memberships
        where organization_id = ${organizationId} and user_id = ${params.actorUserId}::uuid
          and status = 'active') as actor_role,
      k.id as api_key_id,
      case when k.organization_owned_at is null then k.created_by end as api_key_acts_for,
      (select role from memberships
        where organization_id = ${organizationId} and user_id = k.created_by
          and k.organization_owned_at is null and status = 'active') as api_key_person_role,
      exists (select 1 from memberships m join users u on u.id = m.user_id
        where m.organization_id = ${organizationId} and m.status = 'active'
          and u.email = ${params.memberEmail ?? null}::text) as email_is_member
    from (select 1) as one
    left join api_keys k
      on k.id = ${params.actorApiKeyId}::uuid and k.organization_id = ${organizationId} and k.revoked_at is null
  `.execute(trx);
  const row = result.rows[0];
  if (!row) throw new Error('readActorAccess returned no row');
  return {
    role: row.actor_role,
    apiKeyLive: row.api_key_id !== null,
    apiKey:
      row.api_key_id !== null
        ? { actsForUserId: row.api_key_acts_for, personRole: row.api_key_person_role }
        : null,
    emailIsActiveMember: row.email_is_member === true,
  };
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
